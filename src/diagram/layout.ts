// Places the diagram: node sizes from the text they hold, then ELK's layered algorithm (direction
// right, partitions = the graph's bands, so the internet stays on the left and receivers on the
// right), one ELK run for the traffic and one for DNS, stacked with captions and the warnings list.
// elkjs is loaded here only, and this module only by the diagram paths (dynamic import), so other
// commands never pay for it.
import type { Diagram, DiagramEdge, DiagramNode, Section } from './graph.js';
import { GROUPS, groupOf } from './graph.js';
import { textWidth, wrapText } from './measure.js';

export const SIZES = {
  title: 18,
  subtitle: 12,
  caption: 14,
  nodeTitle: 13,
  nodeLine: 11,
  label: 10,
  warning: 11,
} as const;
const LINE = { nodeTitle: 17, nodeLine: 14, label: 13, warning: 15 } as const;
const PAD = { node: 8, label: 3, page: 20 } as const;
const BADGE_GAP = 10;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface Point {
  x: number;
  y: number;
}
export interface PlacedNode extends Box {
  node: DiagramNode;
  badge?: string;
}
export interface PlacedLabel extends Box {
  lines: string[];
}
export interface PlacedEdge {
  edge: DiagramEdge;
  points: Point[];
  label?: PlacedLabel;
}
export interface PlacedText extends Box {
  text: string;
  size: number;
  bold: boolean;
}
export interface PlacedWarning extends Box {
  n: number;
  lines: string[];
}
export interface Layout {
  width: number;
  height: number;
  texts: PlacedText[];
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  warnings: PlacedWarning[];
}

/** The warning marker drawn in a node's title row. */
export const badgeText = (ns: number[]): string => `⚠ ${ns.join(',')}`;

function nodeSize(n: DiagramNode): { w: number; h: number } {
  const badge = n.warnings.length > 0 ? BADGE_GAP + textWidth(badgeText(n.warnings), SIZES.nodeLine, true) : 0;
  const w = Math.max(textWidth(n.title, SIZES.nodeTitle, true) + badge, ...n.lines.map((l) => textWidth(l, SIZES.nodeLine)));
  return { w: w + 2 * PAD.node, h: 2 * PAD.node + LINE.nodeTitle + n.lines.length * LINE.nodeLine };
}

function labelSize(lines: string[]): { w: number; h: number } {
  return { w: Math.max(...lines.map((l) => textWidth(l, SIZES.label))) + 2 * PAD.label, h: lines.length * LINE.label + 2 * PAD.label };
}

// ELK's own types are not imported statically: the module must stay out of the start-up path.
interface ElkLabelOut { text?: string; x?: number; y?: number; width?: number; height?: number }
interface ElkEdgeOut {
  id: string;
  labels?: ElkLabelOut[];
  sections?: { startPoint: Point; endPoint: Point; bendPoints?: Point[] }[];
}
interface ElkNodeOut { id: string; x?: number; y?: number; width?: number; height?: number; children?: ElkNodeOut[]; edges?: ElkEdgeOut[] }
interface ElkApi { layout(graph: unknown): Promise<ElkNodeOut> }

/**
 * The CLI's CommonJS bundle runs in a vm.Script, where import() has no module loader: it gets a
 * real `require` (resolving from node_modules, where the bundle leaves elkjs). ES modules import.
 */
async function loadElk(): Promise<unknown> {
  if (typeof require === 'function') return require('elkjs/lib/elk.bundled.js') as unknown;
  return import('elkjs/lib/elk.bundled.js');
}

let elkPromise: Promise<ElkApi> | undefined;
async function elk(): Promise<ElkApi> {
  elkPromise ??= loadElk().then((m) => {
    // elkjs is CommonJS: module.exports is the constructor, and its `default` is the constructor too.
    const Ctor = (m as { default: new () => ElkApi }).default;
    return new Ctor();
  });
  return elkPromise;
}

const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.partitioning.activate': 'true',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.spacing.nodeNodeBetweenLayers': '24',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.nodeNode': '22',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.spacing.edgeLabel': '4',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.separateConnectedComponents': 'false',
  'elk.randomSeed': '1',
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
};

interface SectionLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

async function layoutSection(d: Diagram, section: Section): Promise<SectionLayout> {
  const nodes = d.nodes.filter((n) => n.section === section);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = d.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  const graph = {
    id: `root-${section}`,
    layoutOptions: LAYOUT_OPTIONS,
    children: nodes.map((n) => ({ id: n.id, ...sizeOf(nodeSize(n)), layoutOptions: { 'elk.partitioning.partition': String(n.band) } })),
    edges: edges.map((e) => ({
      id: e.id,
      sources: [e.from],
      targets: [e.to],
      labels: e.label.length > 0 ? [{ text: e.label.join('\n'), ...sizeOf(labelSize(e.label)) }] : [],
    })),
  };
  const out = await (await elk()).layout(graph);
  const byId = new Map((out.children ?? []).map((c) => [c.id, c]));
  const edgeOut = new Map((out.edges ?? []).map((e) => [e.id, e]));
  return {
    width: out.width ?? 0,
    height: out.height ?? 0,
    nodes: nodes.map((n) => {
      const c = byId.get(n.id)!;
      return { node: n, x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0, ...(n.warnings.length > 0 ? { badge: badgeText(n.warnings) } : {}) };
    }),
    edges: edges.map((e) => placeEdge(e, edgeOut.get(e.id))),
  };
}

const sizeOf = (s: { w: number; h: number }) => ({ width: s.w, height: s.h });

function placeEdge(edge: DiagramEdge, out: ElkEdgeOut | undefined): PlacedEdge {
  const points = (out?.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
  const l = out?.labels?.[0];
  const label = l && edge.label.length > 0 ? { x: l.x ?? 0, y: l.y ?? 0, w: l.width ?? 0, h: l.height ?? 0, lines: edge.label } : undefined;
  return { edge, points, ...(label ? { label } : {}) };
}

function shift(s: SectionLayout, dx: number, dy: number): void {
  for (const n of s.nodes) Object.assign(n, { x: n.x + dx, y: n.y + dy });
  for (const e of s.edges) {
    e.points = e.points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
    if (e.label) Object.assign(e.label, { x: e.label.x + dx, y: e.label.y + dy });
  }
}

function text(t: string, x: number, y: number, size: number, bold: boolean): PlacedText {
  return { text: t, x, y, w: textWidth(t, size, bold), h: Math.ceil(size * 1.3), size, bold };
}

/** Captions over the traffic bands: inbound (internet, exposure), inside, outbound (egress, beyond). */
function bandCaptions(d: Diagram, s: SectionLayout, y: number): PlacedText[] {
  const out: PlacedText[] = [];
  for (const g of GROUPS) {
    const ns = s.nodes.filter((n) => groupOf(n.node) === g);
    if (g !== 'dns' && ns.length > 0) out.push(text(d.captions[g], Math.min(...ns.map((n) => n.x)), y, SIZES.caption, true));
  }
  return out;
}

export async function layoutDiagram(d: Diagram): Promise<Layout> {
  const traffic = await layoutSection(d, 'traffic');
  const dns = await layoutSection(d, 'dns');
  const texts: PlacedText[] = [];
  let y = PAD.page;
  texts.push(text(d.title, PAD.page, y, SIZES.title, true));
  y += Math.ceil(SIZES.title * 1.3) + 4;
  texts.push(text(d.subtitle, PAD.page, y, SIZES.subtitle, false));
  y += Math.ceil(SIZES.subtitle * 1.3) + 18;
  const captionY = y;
  y += Math.ceil(SIZES.caption * 1.3) + 10;
  shift(traffic, PAD.page, y);
  texts.push(...bandCaptions(d, traffic, captionY));
  y += traffic.height + 36;
  texts.push(text(d.captions.dns, PAD.page, y, SIZES.caption, true));
  y += Math.ceil(SIZES.caption * 1.3) + 10;
  shift(dns, PAD.page, y);
  y += dns.height + 30;

  const contentWidth = Math.max(traffic.width, dns.width, ...texts.map((t) => t.x - PAD.page + t.w));
  const warnings: PlacedWarning[] = [];
  if (d.warnings.length > 0) {
    texts.push(text('Warnings', PAD.page, y, SIZES.caption, true));
    y += Math.ceil(SIZES.caption * 1.3) + 8;
    for (const w of d.warnings) {
      const where = w.anchors.length > 0 ? ` (marked on: ${w.anchors.join(', ')})` : ' (the whole deployment)';
      const lines = wrapText(`${badgeText([w.n])} ${w.text}${where}`, Math.max(contentWidth, 600), SIZES.warning);
      const h = lines.length * LINE.warning;
      warnings.push({ n: w.n, lines, x: PAD.page, y, w: Math.max(...lines.map((l) => textWidth(l, SIZES.warning))), h });
      y += h + 6;
    }
  }
  const width = Math.ceil(Math.max(contentWidth, ...warnings.map((w) => w.w)) + 2 * PAD.page);
  return { width, height: Math.ceil(y + PAD.page), texts, nodes: [...traffic.nodes, ...dns.nodes], edges: [...traffic.edges, ...dns.edges], warnings };
}

export const LINE_HEIGHTS = LINE;
export const PADDING = PAD;
