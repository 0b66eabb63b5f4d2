// A block's documented defaults apply field by field even when its selector (exposure.mode,
// web.kind, database.type, …) is left out: `exposure: {ports: [25, 993]}` is a hostPort exposure.
// zod's discriminated unions need the selector to pick a branch, so it is filled in first: the
// branch every given key belongs to (`egress: {host: …}` is a relay), else the documented default.
import { z } from 'zod';

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

interface Branch {
  /** Selector values choosing this branch (a literal, or an enum of several). */
  values: string[];
  keys: Set<string>;
}

/** The object shape of a union option, through wrappers such as a transform. */
function shapeOf(option: unknown): Record<string, unknown> {
  let cur = option;
  for (;;) {
    const d = defOf(cur);
    if (d.type === 'object') return d.shape as Record<string, unknown>;
    if (d.type === 'pipe') cur = d.in;
    else if ('innerType' in d) cur = d.innerType;
    else throw new Error(`union option of type ${d.type} has no object shape`);
  }
}

function selectorValues(s: unknown): string[] {
  const d = defOf(s);
  if (Array.isArray(d.values)) return d.values.map(String);
  if (d.entries) return Object.values(d.entries as object).map(String);
  if ('innerType' in d) return selectorValues(d.innerType);
  return [];
}

function branchesOf(union: unknown, disc: string): Branch[] {
  return (defOf(union).options as unknown[]).map((o) => {
    const shape = shapeOf(o);
    return { values: selectorValues(shape[disc]), keys: new Set(Object.keys(shape)) };
  });
}

/**
 * Selector values whose branch fits the given keys best (most of them known to it). A branch
 * with a key-less input ties with every other, so `{}` yields them all.
 */
function fittingValues(branches: Branch[], keys: string[]): string[] {
  const score = (b: Branch) => keys.filter((k) => b.keys.has(k)).length;
  const best = Math.max(...branches.map(score));
  return branches.filter((b) => score(b) === best).flatMap((b) => b.values);
}

interface Selector {
  disc: string;
  fallback: string | undefined;
  branches: Branch[];
}

const selectors = new WeakMap<object, Selector>();

/** The selector to assume for an input without one; undefined when the keys leave it open. */
function inferSelector(sel: Selector, input: Record<string, unknown>): string | undefined {
  const fits = fittingValues(sel.branches, Object.keys(input));
  if (sel.fallback !== undefined && fits.includes(sel.fallback)) return sel.fallback;
  return fits.length === 1 ? fits[0] : undefined;
}

function fill(sel: Selector, input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const obj = input as Record<string, unknown>;
  if (obj[sel.disc] !== undefined) return input;
  const value = inferSelector(sel, obj);
  return value === undefined ? input : { ...obj, [sel.disc]: value };
}

/**
 * Wraps a discriminated union so a missing selector is inferred from the keys given, or set to
 * `fallback` (the documented default). Without a fallback only an unambiguous input is filled in.
 * The TypeScript input type keeps the selector required, so typed callers can still narrow on it;
 * YAML and untyped objects may leave it out.
 */
export function withDefaultBranch<U extends z.ZodDiscriminatedUnion>(union: U, disc: string, fallback?: string): z.ZodType<z.output<U>, z.input<U>> {
  const sel: Selector = { disc, fallback, branches: branchesOf(union, disc) };
  const wrapped = z.preprocess((v) => fill(sel, v), union);
  selectors.set(wrapped, sel);
  return wrapped as unknown as z.ZodType<z.output<U>, z.input<U>>;
}

/** The input as the wrapped union sees it (selector filled in); the input itself for other schemas. */
export function prefill(schema: unknown, input: unknown): unknown {
  const sel = selectors.get(schema as object);
  return sel ? fill(sel, input) : input;
}

/** For an error message: the selector values that fit the keys of `input` (all when none is given). */
export function fittingSelectors(schema: unknown, input: unknown): string[] | undefined {
  const sel = selectors.get(schema as object);
  if (!sel) return undefined;
  const keys = input && typeof input === 'object' ? Object.keys(input).filter((k) => k !== sel.disc) : [];
  return fittingValues(sel.branches, keys);
}
