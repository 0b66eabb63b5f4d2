// The diagram as Mermaid flowchart text, for docs that embed Mermaid (GitHub, GitLab, MkDocs).
// Mermaid lays it out itself; the bands become subgraphs from left to right.
import { type Diagram, type DiagramNode, GROUPS, groupOf } from './graph.js';

/** Mermaid ids: letters, digits and underscores, prefixed so that no id is a keyword (`end`). */
export const mermaidId = (id: string): string => `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** Text inside a quoted Mermaid label: entity codes for the characters Mermaid or HTML would read. */
export function mermaidText(s: string): string {
  return s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\|/g, '#124;');
}

function nodeLabel(n: DiagramNode): string {
  const badge = n.warnings.length > 0 ? ` ⚠ ${n.warnings.join(',')}` : '';
  return [`<b>${mermaidText(n.title)}</b>${badge}`, ...n.lines.map(mermaidText)].join('<br/>');
}


export function renderMermaid(d: Diagram): string {
  const out = ['flowchart LR', `  %% ${d.title}`, `  %% ${d.subtitle}`];
  for (const g of GROUPS) {
    const nodes = d.nodes.filter((n) => groupOf(n) === g);
    if (nodes.length === 0) continue;
    out.push(`  subgraph g_${g}["${mermaidText(d.captions[g])}"]`, '    direction LR');
    for (const n of nodes) out.push(`    ${mermaidId(n.id)}["${nodeLabel(n)}"]`);
    out.push('  end');
  }
  for (const e of d.edges) {
    const arrow = e.kind === 'dns-query' || e.kind === 'other' ? '-.->' : '-->';
    const label = e.label.length > 0 ? `|"${e.label.map(mermaidText).join('<br/>')}"|` : '';
    out.push(`  ${mermaidId(e.from)} ${arrow}${label} ${mermaidId(e.to)}`);
  }
  if (d.warnings.length > 0) {
    out.push('  subgraph g_warnings["Warnings"]', '    direction TB');
    for (const w of d.warnings) out.push(`    w_${w.n}["⚠ ${w.n} ${mermaidText(w.text)}"]`);
    out.push('  end');
    for (const w of d.warnings) for (const a of w.anchors) out.push(`  w_${w.n} -.- ${mermaidId(a)}`);
  }
  return `${out.join('\n')}\n`;
}
