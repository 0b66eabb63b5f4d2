import { exampleConfig } from '../config/example.js';
import { loadConfigFile } from '../validation/index.js';
import type { MailuConfigInput } from '../config/schema.js';
import { synthesize } from '../chart/synth.js';
import { writeDirAtomically } from './output.js';
import { printWarnings } from './run.js';

function configInput(path?: string): { config: MailuConfigInput; warnings: string[] } {
  if (!path) return { config: exampleConfig, warnings: [] };
  return loadConfigFile(path);
}

export async function runSynth(opts: { config?: string; out: string; split?: boolean }): Promise<number> {
  const { config } = configInput(opts.config);
  // Everything is rendered before anything is written; an error leaves --out untouched.
  const result = synthesize(config, { split: opts.split ?? false });
  printWarnings(result.warnings);
  writeDirAtomically(opts.out, result.files);
  process.stderr.write(`wrote ${result.objects.length} objects to ${opts.out}/\n`);
  return 0;
}

export async function runValidate(opts: { config: string }): Promise<number> {
  const { warnings } = loadConfigFile(opts.config);
  printWarnings(warnings);
  process.stderr.write(`${opts.config}: valid\n`);
  return 0;
}
