import { exampleConfig } from '../config/example.js';
import { loadConfigFile } from '../validation/index.js';
import type { MailuConfigInput } from '../config/schema.js';
import { type SynthResult, synthesize } from '../chart/synth.js';
import { writeDirAtomically } from './output.js';
import { printWarnings } from './run.js';

/** The diagram `synth --diagram` writes next to the manifests (listed in the output marker). */
export const TOPOLOGY_FILE = 'topology.svg';

function configInput(path?: string): { config: MailuConfigInput; warnings: string[] } {
  if (!path) return { config: exampleConfig, warnings: [] };
  return loadConfigFile(path);
}

/** topology.svg, drawn from the chart's own model (the decisions it rendered); loaded only when asked. */
async function topology(result: SynthResult): Promise<string> {
  const { buildDiagram, diagramInput, renderDiagram } = await import('../diagram/index.js');
  const { chart } = result;
  return renderDiagram(buildDiagram(diagramInput(chart.config, result.warnings, chart.model)), 'svg');
}

export async function runSynth(opts: { config?: string; out: string; split?: boolean; diagram?: boolean }): Promise<number> {
  const { config } = configInput(opts.config);
  // Everything is rendered before anything is written; an error leaves --out untouched.
  const result = synthesize(config, { split: opts.split ?? false });
  printWarnings(result.warnings);
  const files = opts.diagram ? { ...result.files, [TOPOLOGY_FILE]: await topology(result) } : result.files;
  writeDirAtomically(opts.out, files);
  process.stderr.write(`wrote ${result.objects.length} objects to ${opts.out}/\n`);
  return 0;
}

export async function runValidate(opts: { config: string }): Promise<number> {
  const { warnings } = loadConfigFile(opts.config);
  printWarnings(warnings);
  process.stderr.write(`${opts.config}: valid\n`);
  return 0;
}
