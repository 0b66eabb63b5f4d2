// Label and field selectors as the Kubernetes API server parses them (the subset of the grammar
// kubectl and client libraries send): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
// `a>1`, `a<1` for labels; `path=value`, `path==value`, `path!=value` for fields.

export type Labels = Record<string, string> | undefined;

type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'gt' | 'lt'; key: string; value: number };

export class SelectorError extends Error {}

export interface LabelSelector {
  readonly text: string;
  matches(labels: Labels): boolean;
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in "${text}"`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new SelectorError(`unable to parse requirement: invalid label value "${value}" in "${text}"`);
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (depth !== 0) throw new SelectorError(`unable to parse requirement: unbalanced parentheses in "${text}"`);
  parts.push(current);
  return parts.map((p) => p.trim());
}

function parseRequirement(part: string, text: string): LabelRequirement {
  let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (m) {
    const values = m[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => checkValue(v, text));
    if (values.length === 0) throw new SelectorError(`unable to parse requirement: empty set in "${text}"`);
    return { op: m[2] === 'in' ? 'in' : 'notin', key: checkKey(m[1]!, text), values };
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=)\s*([^=!<>\s]*)$/.exec(part);
  if (m) {
    return { op: m[2] === '!=' ? 'neq' : 'eq', key: checkKey(m[1]!, text), value: checkValue(m[3]!, text) };
  }
  m = /^([^=!<>\s]+)\s*([<>])\s*(-?\d+)$/.exec(part);
  if (m) return { op: m[2] === '>' ? 'gt' : 'lt', key: checkKey(m[1]!, text), value: Number(m[3]) };
  m = /^!\s*([^=!<>\s]+)$/.exec(part);
  if (m) return { op: 'notexists', key: checkKey(m[1]!, text) };
  m = /^([^=!<>\s]+)$/.exec(part);
  if (m) return { op: 'exists', key: checkKey(m[1]!, text) };
  throw new SelectorError(`unable to parse requirement: "${part}" in "${text}"`);
}

function matchRequirement(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.op) {
    case 'eq':
      return has && v === r.value;
    case 'neq':
      return !has || v !== r.value;
    case 'in':
      return has && r.values.includes(v!);
    case 'notin':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      return r.op === 'gt' ? n > r.value : n < r.value;
    }
  }
}

export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  const trimmed = (text ?? '').trim();
  const requirements = trimmed === '' ? [] : splitTopLevel(trimmed).map((p) => parseRequirement(p, trimmed));
  return {
    text: trimmed,
    matches(labels: Labels): boolean {
      const l = labels ?? {};
      return requirements.every((r) => matchRequirement(r, l));
    },
  };
}

export interface FieldSelector {
  readonly text: string;
  matches(obj: unknown): boolean;
}

interface FieldRequirement {
  path: string;
  negate: boolean;
  value: string;
}

function readPath(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/** Unescapes the field-selector value escapes (\\ \, \=). */
function unescapeValue(v: string): string {
  return v.replace(/\\([\\,=])/g, '$1');
}

export function parseFieldSelector(text: string | undefined | null, supported: readonly string[]): FieldSelector {
  const trimmed = (text ?? '').trim();
  const requirements: FieldRequirement[] = [];
  if (trimmed !== '') {
    // Commas escaped with a backslash belong to the value.
    for (const part of trimmed.split(/(?<!\\),/)) {
      const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)(.*)$/.exec(part.trim());
      if (!m) throw new SelectorError(`invalid field selector: "${part}"`);
      if (!supported.includes(m[1]!)) throw new SelectorError(`field label not supported: ${m[1]}`);
      requirements.push({ path: m[1]!, negate: m[2] === '!=', value: unescapeValue(m[3]!.trim()) });
    }
  }
  return {
    text: trimmed,
    matches(obj: unknown): boolean {
      return requirements.every((r) => (readPath(obj, r.path) === r.value) !== r.negate);
    },
  };
}
