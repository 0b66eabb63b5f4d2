// The diagram as Graphviz DOT text (rankdir LR), for docs built with Graphviz. The bands become
// clusters; labels are left-justified lines.
import { type Diagram, type DiagramNode, GROUPS, groupOf } from './graph.js';
import { wrapText } from './measure.js';

/** A DOT quoted string's content: backslashes and quotes escaped, lines left-justified (\l). */
export function dotText(lines: readonly string[]): string {
  return lines.map((l) => `${l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}\\l`).join('');
}

const quote = (id: string): string => `"${id.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;


export function renderDot(d: Diagram): string {
  const out = [
    'digraph mailu {',
    `  label=${quote(`${d.title}\n${d.subtitle}`)};`,
    '  labelloc=t;',
    '  rankdir=LR;',
    '  fontname="DejaVu Sans";',
    '  node [shape=box, style="rounded", fontname="DejaVu Sans", fontsize=10];',
    '  edge [fontname="DejaVu Sans", fontsize=9];',
  ];
  for (const g of GROUPS) {
    const nodes = d.nodes.filter((n) => groupOf(n) === g);
    if (nodes.length === 0) continue;
    out.push(`  subgraph cluster_${g} {`, `    label=${quote(d.captions[g])};`);
    for (const n of nodes) {
      const title = n.warnings.length > 0 ? `${n.title}  ⚠ ${n.warnings.join(',')}` : n.title;
      out.push(`    ${quote(n.id)} [label="${dotText([title, ...n.lines])}"];`);
    }
    out.push('  }');
  }
  for (const e of d.edges) {
    const attrs = [...(e.label.length > 0 ? [`label="${dotText(e.label)}"`] : []), ...(e.kind === 'dns-query' || e.kind === 'other' ? ['style=dashed'] : [])];
    out.push(`  ${quote(e.from)} -> ${quote(e.to)}${attrs.length > 0 ? ` [${attrs.join(', ')}]` : ''};`);
  }
  if (d.warnings.length > 0) {
    out.push('  subgraph cluster_warnings {', '    label="Warnings";');
    for (const w of d.warnings) out.push(`    ${quote(`warning-${w.n}`)} [shape=note, label="${dotText(wrapText(`⚠ ${w.n} ${w.text}`, 480, 10))}"];`);
    out.push('  }');
    for (const w of d.warnings) for (const a of w.anchors) out.push(`  ${quote(`warning-${w.n}`)} -> ${quote(a)} [style=dotted, arrowhead=none];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
