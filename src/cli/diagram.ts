// `mailu-k8s diagram`: the deployment's mail paths as SVG, Mermaid or DOT, from the same model the
// chart renders. stdout by default; --out writes the file atomically.
import { exampleConfig } from '../config/example.js';
import { loadConfigFile, parseConfigWithWarnings } from '../validation/index.js';
import { buildDiagram, DIAGRAM_FORMATS, type DiagramFormat, diagramInput, renderDiagram } from '../diagram/index.js';
import { writeFileAtomically } from './output.js';
import { printWarnings } from './run.js';

export interface DiagramOptions {
  config?: string;
  format: DiagramFormat;
  out?: string;
}

export async function runDiagram(opts: DiagramOptions): Promise<number> {
  if (!(DIAGRAM_FORMATS as readonly string[]).includes(opts.format)) {
    process.stderr.write(`error: --format must be one of ${DIAGRAM_FORMATS.join(', ')} (got ${JSON.stringify(opts.format)})\n`);
    return 2;
  }
  const { config, warnings } = opts.config ? loadConfigFile(opts.config) : parseConfigWithWarnings(exampleConfig);
  printWarnings(warnings);
  const text = await renderDiagram(buildDiagram(diagramInput(config, warnings)), opts.format);
  if (opts.out) {
    writeFileAtomically(opts.out, text);
    process.stderr.write(`wrote ${opts.out}\n`);
  } else process.stdout.write(text);
  return 0;
}
