// `mailu-k8s diagram` and `synth --diagram`: the graph from the model, drawn as SVG (laid out by
// elkjs, loaded only here), Mermaid or DOT.
import type { MailuConfig } from '../config/schema.js';
import { planDns } from '../dns/plan.js';
import { buildModel, type MailuModel } from '../model/index.js';
import { renderDot } from './dot.js';
import { buildDiagram, type Diagram, type DiagramInput } from './graph.js';
import { layoutDiagram } from './layout.js';
import { renderMermaid } from './mermaid.js';
import { renderSvg } from './svg.js';

export const DIAGRAM_FORMATS = ['svg', 'mermaid', 'dot'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

/** The inputs for a validated config: its model (or the one the chart already built) and DNS plan. */
export function diagramInput(config: MailuConfig, warnings: string[], model: MailuModel = buildModel(config)): DiagramInput {
  return { model, plan: planDns(config), warnings };
}

export async function renderDiagram(d: Diagram, format: DiagramFormat): Promise<string> {
  if (format === 'mermaid') return renderMermaid(d);
  if (format === 'dot') return renderDot(d);
  return renderSvg(await layoutDiagram(d), `${d.title} (${d.subtitle})`);
}

export { buildDiagram };
export type { Diagram, DiagramInput };
