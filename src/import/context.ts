// What every mapping step shares: the chart's values, the config being written, the report, and
// the names the chart gave its objects for this release.
import { isMap, type HelmValues } from './values.js';
import type { Report } from './report.js';

/** The config being built, as plain data (validated by the schema at the end). */
export type Draft = Record<string, unknown>;

export interface ImportContext {
  v: HelmValues;
  out: Draft;
  report: Report;
  release: string;
  namespace: string;
  /** Our instance name (object prefix). */
  instance: string;
  /** The chart's `<fullname>` for this release: the prefix of its object names. */
  fullname: string;
}

/** Sets a dotted path in the draft, creating the maps on the way. */
export function set(out: Draft, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur = out;
  for (const seg of segs.slice(0, -1)) {
    if (!isMap(cur[seg])) cur[seg] = {};
    cur = cur[seg] as Draft;
  }
  cur[segs[segs.length - 1]!] = value;
}

export function get(out: Draft, path: string): unknown {
  let cur: unknown = out;
  for (const seg of path.split('.')) cur = isMap(cur) ? cur[seg] : undefined;
  return cur;
}

/** A shell word: single-quoted unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** jsonpath for one key of a Secret's data (dots in the key escaped). */
const dataPath = (key: string) => `{.data.${key.replace(/\./g, '\\.')}}`;

export interface SecretCopy {
  /** The chart's Secret. */
  from: string;
  /** Ours. */
  to: string;
  /** [the chart's key, our key] pairs copied from the chart's Secret. */
  keys: [string, string][];
  /** Keys whose (non-secret) value is known, such as a user name. */
  literals?: [string, string][];
}

/** `kubectl create secret` for our Secret, filled from the chart's existing one (no value is printed). */
export function copySecretCommand(ctx: ImportContext, c: SecretCopy): string {
  const ns = shellWord(ctx.namespace);
  const from = c.keys.map(
    ([src, dst]) => `--from-literal=${dst}="$(kubectl -n ${ns} get secret ${shellWord(c.from)} -o jsonpath='${dataPath(src)}' | base64 -d)"`,
  );
  const lit = (c.literals ?? []).map(([k, v]) => `--from-literal=${k}=${shellWord(v)}`);
  return `kubectl -n ${ns} create secret generic ${shellWord(c.to)} ${[...lit, ...from].join(' ')}`;
}

/** `helm uninstall` deletes what the release made unless it carries Helm's keep annotation. */
export function keepCommand(ctx: ImportContext, kind: 'pvc' | 'pv', name: string): string {
  const ns = kind === 'pvc' ? `-n ${shellWord(ctx.namespace)} ` : '';
  return `kubectl ${ns}annotate ${kind} ${shellWord(name)} helm.sh/resource-policy=keep`;
}
