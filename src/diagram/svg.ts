// The laid-out diagram as one self-contained SVG: no scripts, no external fonts, images or styles
// (the font stack is named only). Each node, edge label and warning is a <g> with a class and a
// data-id, so tests (and people's stylesheets) can find them; reasons are <title> tooltips.
import type { EdgeKind, NodeKind } from './graph.js';
import { FONT_FAMILY } from './measure.js';
import { LINE_HEIGHTS, PADDING, type Layout, type PlacedEdge, type PlacedNode, type PlacedText, SIZES } from './layout.js';

const NODE_STYLE: Readonly<Record<NodeKind, { fill: string; stroke: string }>> = {
  internet: { fill: '#eef3fb', stroke: '#1f5fa8' },
  exposure: { fill: '#e3eefc', stroke: '#1f5fa8' },
  web: { fill: '#e6f4ea', stroke: '#2e7d4f' },
  front: { fill: '#fff4d6', stroke: '#b7791f' },
  component: { fill: '#f7f7f7', stroke: '#666666' },
  pods: { fill: '#f2f2f2', stroke: '#888888' },
  peer: { fill: '#ffffff', stroke: '#999999' },
  egress: { fill: '#fdecea', stroke: '#b03a2e' },
  receivers: { fill: '#fbeff7', stroke: '#8e3b74' },
  publisher: { fill: '#f3eefa', stroke: '#6c3fa0' },
  zone: { fill: '#ffffff', stroke: '#6c3fa0' },
};
const EDGE_STYLE: Readonly<Record<EdgeKind, { stroke: string; width: number; dash?: string }>> = {
  mail: { stroke: '#1f5fa8', width: 1.6 },
  web: { stroke: '#2e7d4f', width: 1.6 },
  internal: { stroke: '#555555', width: 1.1 },
  'dns-query': { stroke: '#b0b0b0', width: 0.8, dash: '3 3' },
  outbound: { stroke: '#b03a2e', width: 1.6 },
  other: { stroke: '#8a8a8a', width: 1, dash: '5 3' },
  publish: { stroke: '#6c3fa0', width: 1.2 },
};

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Fixed precision keeps the output byte-identical across runs and machines. */
const f = (n: number): string => String(Math.round(n * 10) / 10);

/** Baseline of a line of `size` px text centred in a line box of `lineH` starting at `top`. */
const baseline = (top: number, lineH: number, size: number): number => top + (lineH - size * 1.164) / 2 + size * 0.928;

function textEl(cls: string, x: number, top: number, lineH: number, size: number, t: string, bold = false): string {
  return `<text class="${cls}" x="${f(x)}" y="${f(baseline(top, lineH, size))}" font-size="${size}"${bold ? ' font-weight="bold"' : ''}>${escapeXml(t)}</text>`;
}

function node(p: PlacedNode): string {
  const s = NODE_STYLE[p.node.kind];
  const pad = PADDING.node;
  const parts = [
    `<g class="node kind-${p.node.kind}" data-id="${escapeXml(p.node.id)}">`,
    `<title>${escapeXml([p.node.title, ...p.node.lines].join('\n'))}</title>`,
    `<rect class="box" x="${f(p.x)}" y="${f(p.y)}" width="${f(p.w)}" height="${f(p.h)}" rx="5" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.2"/>`,
    textEl('node-title', p.x + pad, p.y + pad, LINE_HEIGHTS.nodeTitle, SIZES.nodeTitle, p.node.title, true),
  ];
  if (p.badge) {
    parts.push(`<text class="badge" x="${f(p.x + p.w - pad)}" y="${f(baseline(p.y + pad, LINE_HEIGHTS.nodeTitle, SIZES.nodeLine))}" font-size="${SIZES.nodeLine}" font-weight="bold" text-anchor="end" fill="#b35900">${escapeXml(p.badge)}</text>`);
  }
  p.node.lines.forEach((l, i) => parts.push(textEl('node-line', p.x + pad, p.y + pad + LINE_HEIGHTS.nodeTitle + i * LINE_HEIGHTS.nodeLine, LINE_HEIGHTS.nodeLine, SIZES.nodeLine, l)));
  parts.push('</g>');
  return parts.join('');
}

function edge(e: PlacedEdge): string {
  if (e.points.length < 2) return '';
  const s = EDGE_STYLE[e.edge.kind];
  const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(p.x)} ${f(p.y)}`).join(' ');
  const title = e.edge.why.length > 0 ? `<title>${escapeXml(e.edge.why.join('\n'))}</title>` : '';
  return (
    `<g class="edge kind-${e.edge.kind}" data-id="${e.edge.id}" data-from="${escapeXml(e.edge.from)}" data-to="${escapeXml(e.edge.to)}">${title}` +
    `<path d="${d}" fill="none" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.edge.kind})"/></g>`
  );
}

function label(e: PlacedEdge): string {
  const l = e.label;
  if (!l) return '';
  const lines = l.lines.map((t, i) => textEl('label-line', l.x + PADDING.label, l.y + PADDING.label + i * LINE_HEIGHTS.label, LINE_HEIGHTS.label, SIZES.label, t));
  return (
    `<g class="label" data-edge="${e.edge.id}"><rect class="box" x="${f(l.x)}" y="${f(l.y)}" width="${f(l.w)}" height="${f(l.h)}" rx="2" fill="#ffffff" fill-opacity="0.92" stroke="none"/>` +
    `${lines.join('')}</g>`
  );
}

function caption(t: PlacedText): string {
  return textEl('caption', t.x, t.y, t.h, t.size, t.text, t.bold);
}

function markers(): string {
  return Object.entries(EDGE_STYLE)
    .map(([kind, s]) => `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="${s.stroke}"/></marker>`)
    .join('');
}

export function renderSvg(layout: Layout, title: string): string {
  const { width, height } = layout;
  const body = [
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...layout.texts.map(caption),
    ...layout.edges.map(edge),
    ...layout.nodes.map(node),
    ...layout.edges.map(label),
    ...layout.warnings.map(
      (w) => `<g class="warning" data-n="${w.n}">${w.lines.map((l, i) => textEl('warning-line', w.x, w.y + i * LINE_HEIGHTS.warning, LINE_HEIGHTS.warning, SIZES.warning, l)).join('')}</g>`,
    ),
  ];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<defs>${markers()}</defs>\n` +
    `<style>text{font-family:${FONT_FAMILY};fill:#1a1a1a}.caption{fill:#333333}</style>\n` +
    `${body.filter(Boolean).join('\n')}\n</svg>\n`
  );
}
