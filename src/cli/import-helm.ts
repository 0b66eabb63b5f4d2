// `mailu-k8s import-helm VALUES.yaml`: the official Helm chart's values → a mailu-k8s config on
// stdout (or --out FILE) and a report on stderr. Refused or invalid input exits 2 with nothing
// written; the report still says what became of every other value.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../config/errors.js';
import { formatReport, ImportError, importedConfigYaml, importHelmValues } from '../import/index.js';
import { printWarnings } from './run.js';

export interface ImportHelmOptions {
  release?: string;
  namespace?: string;
  out?: string;
}

function readValues(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path, message: `cannot read the values file: ${(e as NodeJS.ErrnoException).code ?? e}` }]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path, message: `not valid YAML: ${e.message.split('\n')[0]}` })));
  }
  // An empty file is the chart's defaults.
  return doc.toJS() ?? {};
}

/** The whole file or nothing: a temporary sibling, renamed over the target. */
function writeFileAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export async function runImportHelm(valuesPath: string, opts: ImportHelmOptions): Promise<number> {
  const values = readValues(valuesPath);
  let result;
  try {
    result = importHelmValues(values, { ...(opts.release ? { release: opts.release } : {}), ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  } catch (e) {
    if (e instanceof ImportError) process.stderr.write(formatReport(e.report, valuesPath));
    throw e;
  }
  process.stderr.write(formatReport(result.report, valuesPath));
  printWarnings(result.warnings);
  const text = importedConfigYaml(result, basename(valuesPath));
  if (opts.out) {
    writeFileAtomically(opts.out, text);
    process.stderr.write(`wrote ${opts.out}\n`);
  } else process.stdout.write(text);
  return 0;
}
