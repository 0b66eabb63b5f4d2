// A Helm values file as the chart reads it: the user's values over the chart's defaults. Every
// look-up names its dotted path, so a value of the wrong type is refused naming the field.
import { ConfigError } from '../config/errors.js';
import { CHART_DEFAULTS } from './chart-defaults.js';

export type Values = Record<string, unknown>;

export const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Empty as Helm templates test it (`if .Values.x`): unset, "", [], {}, null. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isMap(v) && Object.keys(v).length === 0;
}

function at(root: unknown, path: string): unknown {
  let cur = root;
  for (const seg of path.split('.')) {
    if (!isMap(cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Bad input: the path and what was expected there. */
export function badValue(path: string, message: string): ConfigError {
  return new ConfigError([{ path, message }]);
}

export class HelmValues {
  constructor(readonly user: Values) {}

  /** Set in the user's values file (not just the chart's default). */
  has(path: string): boolean {
    return at(this.user, path) !== undefined;
  }

  /** The leaves the user's file sets under a path (dotted, the path included). */
  leaves(path: string): string[] {
    const u = at(this.user, path);
    if (u === undefined) return [];
    return isMap(u) && Object.keys(u).length > 0 ? leafPaths(u, path) : [path];
  }

  /** The value the chart renders with: the user's, else the chart's default. */
  get(path: string): unknown {
    const u = at(this.user, path);
    return u !== undefined ? u : at(CHART_DEFAULTS, path);
  }

  str(path: string): string {
    const v = this.get(path);
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw badValue(path, `expected text, got ${describe(v)}`);
  }

  bool(path: string): boolean {
    const v = this.get(path);
    if (v === undefined || v === null || v === '') return false;
    if (typeof v === 'boolean') return v;
    // Helm sees the text "false" as true (a non-empty string); say so instead of guessing.
    throw badValue(path, `expected true or false, got ${describe(v)}`);
  }

  num(path: string): number | undefined {
    const v = this.get(path);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
    throw badValue(path, `expected a number, got ${describe(v)}`);
  }

  list(path: string): unknown[] {
    const v = this.get(path);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    throw badValue(path, `expected a list, got ${describe(v)}`);
  }

  strList(path: string): string[] {
    return this.list(path).map((x, i) => {
      if (typeof x === 'string' || typeof x === 'number') return String(x);
      throw badValue(`${path}[${i}]`, `expected text, got ${describe(x)}`);
    });
  }

  map(path: string): Values {
    const v = this.get(path);
    if (v === undefined || v === null) return {};
    if (isMap(v)) return v;
    throw badValue(path, `expected a map of keys to values, got ${describe(v)}`);
  }

  /** A map of text to text (labels, annotations, selectors). */
  strMap(path: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.map(path)).map(([k, x]) => {
        if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return [k, String(x)];
        throw badValue(`${path}.${k}`, `expected text, got ${describe(x)}`);
      }),
    );
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isMap(v)) return 'a map';
  return JSON.stringify(v);
}

/** Every leaf of the user's file as a dotted path (lists and empty maps are leaves). */
export function leafPaths(v: Values, prefix = ''): string[] {
  return Object.entries(v).flatMap(([k, x]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return isMap(x) && Object.keys(x).length > 0 ? leafPaths(x, p) : [p];
  });
}

/** The chart's `<fullname>`: fullnameOverride, else the release name (if it contains the chart's name) or `<release>-mailu`. */
export function chartFullname(v: HelmValues, release: string): string {
  const trim = (s: string) => s.slice(0, 63).replace(/-+$/, '');
  const override = v.str('fullnameOverride');
  if (override) return trim(override);
  const name = v.str('nameOverride') || 'mailu';
  const rel = release.toLowerCase().replace(/(-?[^a-z\d-])+-?/g, '-');
  return trim(rel.includes(name) ? rel : `${rel}-${name}`);
}

/** A Bitnami subchart's fullname under this release (`<release>-<chart>`, or the release when it contains the chart's name). */
export function subchartFullname(v: HelmValues, release: string, chart: string): string {
  const override = v.str(`${chart}.fullnameOverride`);
  if (override) return override.slice(0, 63).replace(/-+$/, '');
  const name = v.str(`${chart}.nameOverride`) || chart;
  return (release.includes(name) ? release : `${release}-${name}`).slice(0, 63).replace(/-+$/, '');
}
