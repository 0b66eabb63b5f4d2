// Parsing: YAML text or a plain object → a MailuConfig that satisfies the schema, or a ConfigError
// that lists every problem with its field path. Nothing else in the project reads raw config.
import { readFileSync } from 'node:fs';
import { type Document, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { fittingSelectors, prefill } from './branches.js';
import { ConfigError, type ConfigIssue, formatPath } from './errors.js';
import { configSchema, type MailuConfig } from './schema.js';
import { unknownKeyMessage } from './suggest.js';

/**
 * The schema alone: a config object (from YAML or TypeScript) → a MailuConfig with every default
 * filled in, or a ConfigError listing every problem with its field path. The cross-field and DNS
 * checks come on top of this in src/validation.
 */
export function parseSchema(raw: unknown): MailuConfig {
  const res = configSchema.safeParse(raw);
  if (!res.success) throw new ConfigError(zodIssues(res.error, raw));
  return res.data;
}

/** YAML text → the raw config object (not yet validated). Throws ConfigError on YAML errors. */
export function readConfigYaml(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ path: '', message: `${source}: YAML ${e.message.split('\n')[0]}` })),
    );
  }
  const raw: unknown = doc.toJS();
  keepTypedText(doc, raw);
  return raw;
}

/**
 * A YAML number or boolean where the schema wants text keeps the characters typed: a Traefik
 * version `3.10` is "3.10", not "3.1"; `DEFAULT_QUOTA: 010` stays "010". Numbers stay numbers
 * where numbers are wanted.
 */
function keepTypedText(doc: Document, raw: unknown): void {
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || node.type !== 'PLAIN' || node.source === undefined) return;
      if (typeof node.value !== 'number' && typeof node.value !== 'boolean') return;
      const path = yamlPath(ancestors, node);
      if (path && wantsText(path, raw)) setAt(raw, path, node.source);
    },
  });
}

function yamlPath(ancestors: readonly unknown[], node: unknown): PropertyKey[] | undefined {
  const path: PropertyKey[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const a = ancestors[i];
    if (isPair(a)) {
      if (!isScalar(a.key)) return undefined;
      path.push(String(a.key.value));
    } else if (isSeq(a)) {
      path.push(a.items.indexOf((ancestors[i + 1] ?? node) as never));
    }
  }
  return path;
}

function setAt(raw: unknown, path: readonly PropertyKey[], value: unknown): void {
  const parent = valueAt(raw, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!] = value;
}

/** A config file → the raw config object (not yet validated). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ path: '', message: `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}` }]);
  }
  return readConfigYaml(text, path);
}

// ---------------------------------------------------------------- zod issues → our lines

function zodIssues(err: z.ZodError, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of err.issues) {
    const path = formatPath(issue.path as PropertyKey[]);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path as PropertyKey[], raw);
      for (const key of issue.keys) {
        const full = path ? `${path}.${key}` : key;
        out.push({ path: full, message: unknownKeyMessage(key, known, path) });
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
  // zod's own wording only ("Invalid input: expected …"); a schema's custom message stands.
  if (issue.code === 'invalid_type' && (value === undefined || issue.message.startsWith('Invalid input'))) return wrongType(issue.expected, value);
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
    if (got === undefined) return missingSelector(unionPath, raw, choices);
    return `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')} (got ${JSON.stringify(got)})`;
  }
  return issue.message;
}

/** A value of the wrong kind, said in YAML's words: a single value where a list goes is common. */
function wrongType(expected: string, value: unknown): string {
  if (value === undefined) return 'is required';
  const got = JSON.stringify(value);
  if (expected === 'array') return typeof value === 'object' && value !== null ? `must be a list (got ${got})` : `must be a list: write [${got}], or one "- item" line per entry (got the single value ${got})`;
  if (expected === 'object') return `must be a block of keys, e.g. { name: … } (got ${got})`;
  return `must be a ${expected} (got ${got})`;
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
const WRAPPERS = ['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch'];

interface At {
  /** The schema that decides the shape here (wrappers stripped; a union is not yet resolved). */
  s: unknown;
  /** The input at this point, as zod saw it (an inferred selector filled in). */
  input: unknown;
  /** The wrapper that infers this union's selector, if any (branches.ts). */
  selector?: unknown;
}

function unwrapAt(schema: unknown, input: unknown): At {
  let s = schema;
  let selector: unknown;
  for (;;) {
    const d = defOf(s);
    if (WRAPPERS.includes(d.type)) s = d.innerType;
    else if (d.type === 'pipe' && defOf(d.in).type === 'transform') {
      // A preprocessing step: our selector inference (the only preprocess in the schema).
      selector = s;
      input = prefill(s, input);
      s = d.out;
    } else if (d.type === 'pipe') s = d.in;
    else return { s, input, selector };
  }
}

function unwrap(s: unknown): unknown {
  return unwrapAt(s, undefined).s;
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

/** The schema and input at `path` (the union there, if any, not yet resolved to a branch). */
function schemaAt(path: readonly PropertyKey[], raw: unknown): At | undefined {
  let at = unwrapAt(configSchema, raw);
  for (const seg of path) {
    const d = defOf(pickBranch(at.s, at.input));
    let next: unknown;
    if (d.type === 'object') next = (d.shape as Record<string, unknown>)[String(seg)];
    else if (d.type === 'array') next = d.element;
    else if (d.type === 'record') next = d.valueType;
    if (next === undefined) return undefined;
    const child = at.input && typeof at.input === 'object' ? (at.input as Record<PropertyKey, unknown>)[seg] : undefined;
    at = unwrapAt(next, child);
  }
  return at;
}

/** Does the field at `path` take text (a string, or a union with a string option)? */
export function wantsText(path: readonly PropertyKey[], raw: unknown): boolean {
  const at = schemaAt(path, raw);
  if (!at) return false;
  const d = defOf(at.s);
  if (d.type === 'union' && !d.discriminator) return (d.options as unknown[]).some((o) => defOf(unwrap(o)).type === 'string');
  return d.type === 'string';
}

function knownKeysAt(path: readonly PropertyKey[], raw: unknown): string[] {
  const at = schemaAt(path, raw);
  if (!at) return [];
  const d = defOf(pickBranch(at.s, at.input));
  if (d.type === 'object') return Object.keys(d.shape as object);
  // A record keyed by an enum (resources.<component>): its values are the valid keys.
  if (d.type === 'record') return discriminatorLiterals(d.keyType);
  return [];
}

function discriminatorLiterals(s: unknown): string[] {
  const lit = defOf(unwrap(s));
  if (Array.isArray(lit.values)) return lit.values.map(String);
  if (lit.entries) return Object.values(lit.entries as object).map(String);
  return [];
}

function discriminatorValues(path: readonly PropertyKey[], raw: unknown, disc: string): string[] {
  const at = schemaAt(path, raw);
  if (!at) return [];
  const d = defOf(at.s);
  if (d.type !== 'union') return [];
  return (d.options as unknown[]).flatMap((o) => discriminatorLiterals((defOf(unwrap(o)).shape as Record<string, unknown>)[disc]));
}

/** Why a selector is missing: the values that fit the other keys given (all, when none narrow it). */
function missingSelector(path: readonly PropertyKey[], raw: unknown, choices: string[]): string {
  const at = schemaAt(path, raw);
  const fits = at?.selector ? (fittingSelectors(at.selector, valueAt(raw, path)) ?? choices) : choices;
  const q = (xs: string[]) => xs.map((c) => JSON.stringify(c));
  if (fits.length > 0 && fits.length < choices.length) {
    const either = q(fits);
    return `is required: ${either.slice(0, -1).join(', ')} or ${either[either.length - 1]} (the keys given fit those)`;
  }
  return `is required: one of ${q(choices).join(', ')}`;
}
