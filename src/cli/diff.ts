// `mailu-k8s diff --out DIR`: what a new synth would change in an existing output directory,
// object by object, before anything is written or applied (an upgrade of mailu-k8s or of Mailu,
// a config change). Exit 0: no change; 1: changes (as diff(1)); 2: bad input.
//
// Objects are matched by API group, kind, namespace and name, so an apiVersion bump shows as a
// change of one object rather than a removal and an addition. Both sides are written with the
// serialiser synth uses, so only real changes show. Files that are not Kubernetes objects
// (traefik-values.yaml) are compared as text; kustomization.yaml only lists the objects.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { synthesize } from '../chart/synth.js';
import { toYamlDocument } from '../chart/yaml-out.js';
import { ConfigError } from '../config/errors.js';
import { exampleConfig } from '../config/example.js';
import type { MailuConfigInput } from '../config/schema.js';
import { loadConfigFile } from '../validation/index.js';
import { unifiedDiff } from './line-diff.js';
import { OUTPUT_MARKER } from './output.js';
import { printWarnings } from './run.js';

type Obj = Record<string, unknown>;

interface Entry {
  /** Group/kind/namespace/name, or `file:<name>` for a file that holds no objects. */
  key: string;
  label: string;
  /** Where it came from (a file in DIR), for the diff header. */
  source: string;
  text: string;
}

export type Change = { kind: 'added' | 'removed' | 'changed'; label: string; diff: string };

export interface DiffResult {
  changes: Change[];
  unchanged: number;
}

const KUSTOMIZATION = 'kustomization.yaml';

function meta(o: Obj): { name?: unknown; namespace?: unknown } {
  return typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as { name?: unknown; namespace?: unknown }) : {};
}

function isObject(doc: unknown): doc is Obj {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const o = doc as Obj;
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof meta(o).name === 'string';
}

/** Secret values never reach the terminal (mailu-k8s writes none; a hand-added one could exist). */
function redact(o: Obj): Obj {
  if (o.kind !== 'Secret') return o;
  const out: Obj = { ...o };
  for (const f of ['data', 'stringData']) {
    if (typeof o[f] === 'object' && o[f] !== null) out[f] = Object.fromEntries(Object.keys(o[f] as Obj).map((k) => [k, '(redacted)']));
  }
  return out;
}

function objectEntry(o: Obj, source: string): Entry {
  const apiVersion = o.apiVersion as string;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const { name, namespace } = meta(o);
  const ns = typeof namespace === 'string' ? namespace : '';
  return {
    key: `${group}|${String(o.kind)}|${ns}|${String(name)}`,
    label: `${String(o.kind)} ${ns ? `${ns}/` : ''}${String(name)} (${apiVersion})`,
    source,
    text: toYamlDocument(redact(o)),
  };
}

/** The entries of a set of output files: one per object, one per file that holds none. */
export function entriesOf(files: Record<string, string>, where: (file: string) => string): Entry[] {
  const entries: Entry[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (file === KUSTOMIZATION || file === OUTPUT_MARKER) continue;
    const docs = parseAllDocuments(text);
    for (const d of docs) {
      if (d.errors.length > 0) throw new ConfigError([{ path: '--out', message: `${where(file)} is not valid YAML: ${d.errors[0]!.message.split('\n')[0]}` }]);
    }
    const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
    if (values.length > 0 && values.every(isObject)) entries.push(...values.map((v) => objectEntry(v, where(file))));
    else entries.push({ key: `file:${file}`, label: `file ${file}`, source: where(file), text });
  }
  return entries;
}

function index(entries: Entry[], side: string): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const e of entries) {
    if (map.has(e.key)) throw new ConfigError([{ path: '--out', message: `${e.label} appears twice in ${side}` }]);
    map.set(e.key, e);
  }
  return map;
}

/** Compares the current entries with the new ones: new order first, then what disappears. */
export function compareEntries(current: Entry[], next: Entry[]): DiffResult {
  const before = index(current, 'the output directory');
  const after = index(next, 'the new output');
  const changes: Change[] = [];
  let unchanged = 0;
  for (const n of after.values()) {
    const c = before.get(n.key);
    if (!c) changes.push({ kind: 'added', label: n.label, diff: unifiedDiff('', n.text, { from: '/dev/null', to: `new ${n.label}` }) });
    else if (c.text === n.text) unchanged++;
    else changes.push({ kind: 'changed', label: n.label, diff: unifiedDiff(c.text, n.text, { from: c.source, to: `new ${n.label}` }) });
  }
  for (const c of before.values()) {
    if (!after.has(c.key)) changes.push({ kind: 'removed', label: c.label, diff: unifiedDiff(c.text, '', { from: c.source, to: '/dev/null' }) });
  }
  return { changes, unchanged };
}

/** Reads the files an earlier synth wrote to `dir`, as its marker lists them. */
export function readOutputDir(dir: string): Record<string, string> {
  const bad = (message: string) => new ConfigError([{ path: '--out', message }]);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw bad(`${dir} does not exist: nothing to compare with (run mailu-k8s synth --out ${dir} first)`);
  }
  const marker = join(dir, OUTPUT_MARKER);
  if (!existsSync(marker)) throw bad(`${dir} is not a mailu-k8s output directory (it has no ${OUTPUT_MARKER} file listing what synth wrote)`);
  const names = readFileSync(marker, 'utf8').split('\n').filter(Boolean);
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length > 0) throw bad(`${dir} lacks files its ${OUTPUT_MARKER} lists: ${missing.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

export function formatDiff(result: DiffResult): string {
  const out: string[] = [];
  for (const c of result.changes) out.push(`${c.kind} ${c.label}`, c.diff.replace(/\n$/, ''), '');
  const count = (k: Change['kind']) => result.changes.filter((c) => c.kind === k).length;
  out.push(`${count('added')} added, ${count('removed')} removed, ${count('changed')} changed, ${result.unchanged} unchanged`);
  return `${out.join('\n')}\n`;
}

export async function runDiff(opts: { out: string; config?: string }): Promise<number> {
  const config: MailuConfigInput = opts.config ? loadConfigFile(opts.config).config : exampleConfig;
  const current = readOutputDir(opts.out);
  const result = synthesize(config, { split: KUSTOMIZATION in current });
  printWarnings(result.warnings);
  const diff = compareEntries(
    entriesOf(current, (f) => join(opts.out, f)),
    entriesOf(result.files, (f) => `new ${f}`),
  );
  process.stdout.write(formatDiff(diff));
  return diff.changes.length > 0 ? 1 : 0;
}
