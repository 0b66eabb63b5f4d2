// Parsing: YAML text or a plain object → a validated MailuConfig, or a ConfigError that lists every
// problem with its field path. Nothing else in the project reads raw config.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkDnsPlan } from '../dns/plan.js';
import { checkConfig } from '../model/invariants.js';
import { ConfigError, type ConfigIssue, formatPath } from './errors.js';
import { configSchema, type MailuConfig } from './schema.js';
import { closest } from './suggest.js';

export interface ParsedConfig {
  config: MailuConfig;
  /** Accepted but risky choices; the CLI prints them on stderr. */
  warnings: string[];
}

// Parsing is pure, so a config object (raw or already parsed) is validated once per process even
// when several layers (CLI, chart, DNS plan) ask for it.
const parsedCache = new WeakMap<object, ParsedConfig>();

/** Validates a config object (from YAML or TypeScript). Throws ConfigError listing every problem. */
export function parseConfigWithWarnings(raw: unknown): ParsedConfig {
  const cached = raw !== null && typeof raw === 'object' ? parsedCache.get(raw) : undefined;
  if (cached) return cached;
  const result = parseUncached(raw);
  if (raw !== null && typeof raw === 'object') parsedCache.set(raw, result);
  parsedCache.set(result.config, result);
  return result;
}

function parseUncached(raw: unknown): ParsedConfig {
  const res = configSchema.safeParse(raw);
  if (!res.success) throw new ConfigError(zodIssues(res.error, raw));
  const { errors, warnings } = checkConfig(res.data);
  // The DNS limits (SPF lookups and size) are part of validity: a record receivers reject is an error.
  if (errors.length === 0) errors.push(...checkDnsPlan(res.data));
  if (errors.length > 0) throw new ConfigError(errors);
  return { config: res.data, warnings };
}

export function parseConfig(raw: unknown): MailuConfig {
  return parseConfigWithWarnings(raw).config;
}

export function parseConfigYaml(text: string, source = 'config'): ParsedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ path: '', message: `${source}: YAML ${e.message.split('\n')[0]}` })),
    );
  }
  return parseConfigWithWarnings(doc.toJS());
}

export function loadConfigFile(path: string): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '', message: `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}` }]);
  }
  return parseConfigYaml(text, path);
}

// ---------------------------------------------------------------- zod issues → our lines

function zodIssues(err: z.ZodError, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of err.issues) {
    const path = formatPath(issue.path as PropertyKey[]);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path as PropertyKey[], raw);
      for (const key of issue.keys) {
        const hint = closest(key, known);
        const full = path ? `${path}.${key}` : key;
        out.push({ path: full, message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}` });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A record key broke its rule (env names, label keys): report the rule's own message.
      out.push({ path, message: issue.issues[0]?.message ?? issue.message });
      continue;
    }
    out.push({ path, message: describe(issue, raw) });
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path as PropertyKey[]);
  if (issue.code === 'invalid_type' && value === undefined) return 'is required';
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    // zod reports the discriminator's own path; the union lives one level up.
    const disc = String(issue.discriminator);
    const at = issue.path as PropertyKey[];
    const unionPath = at[at.length - 1] === disc ? at.slice(0, -1) : at;
    const choices = discriminatorValues(unionPath, raw, disc);
    const got = valueAt(raw, [...unionPath, disc]);
    return `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')} (got ${JSON.stringify(got)})`;
  }
  return issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

// Walks the zod schema along a path (choosing union branches by the input's discriminator) to
// find the keys an object at that path may have: the candidates for "did you mean".
type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

function unwrap(s: unknown): unknown {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'].includes(d.type)) cur = d.innerType;
    else if (d.type === 'pipe') cur = d.in;
    else return cur;
  }
}

function pickBranch(s: unknown, input: unknown): unknown {
  const d = defOf(s);
  if (d.type !== 'union') return s;
  const options = d.options as unknown[];
  const disc = d.discriminator as string | undefined;
  if (disc && input && typeof input === 'object') {
    const want = (input as Record<string, unknown>)[disc];
    for (const o of options) {
      const shape = defOf(unwrap(o)).shape as Record<string, unknown> | undefined;
      const lit = shape?.[disc] ? defOf(unwrap(shape[disc])) : undefined;
      if (lit && Array.isArray(lit.values) && lit.values.includes(want)) return unwrap(o);
      if (lit && lit.entries && Object.values(lit.entries as object).includes(want)) return unwrap(o);
    }
  }
  return unwrap(options[0]);
}

function schemaAt(path: readonly PropertyKey[], raw: unknown): unknown {
  let s: unknown = unwrap(configSchema);
  let input: unknown = raw;
  for (const seg of path) {
    s = pickBranch(unwrap(s), input);
    const d = defOf(s);
    if (d.type === 'object') s = (d.shape as Record<string, unknown>)[String(seg)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
    if (s === undefined) return undefined;
    input = input && typeof input === 'object' ? (input as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return pickBranch(unwrap(s), input);
}

function knownKeysAt(path: readonly PropertyKey[], raw: unknown): string[] {
  const s = schemaAt(path, raw);
  if (!s) return [];
  const d = defOf(s);
  return d.type === 'object' ? Object.keys(d.shape as object) : [];
}

function discriminatorValues(path: readonly PropertyKey[], raw: unknown, disc: string): string[] {
  let s: unknown = unwrap(configSchema);
  let input: unknown = raw;
  for (const seg of path) {
    s = pickBranch(unwrap(s), input);
    const d = defOf(s);
    s = d.type === 'object' ? (d.shape as Record<string, unknown>)[String(seg)] : undefined;
    if (!s) return [];
    input = input && typeof input === 'object' ? (input as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  const d = defOf(unwrap(s));
  if (d.type !== 'union') return [];
  return (d.options as unknown[]).flatMap((o) => {
    const lit = defOf(unwrap((defOf(unwrap(o)).shape as Record<string, unknown>)[disc]));
    if (Array.isArray(lit.values)) return lit.values.map(String);
    if (lit.entries) return Object.values(lit.entries as object).map(String);
    return [];
  });
}
