// Every key a config may have, as dotted paths walked from the zod schema itself (so a key added
// to src/config/schema.ts shows up here without anyone listing it). Discriminated unions
// contribute the keys of every branch; a record of objects contributes `<*>.<key>`; a record of
// scalars (env, labels, annotations) is one key. Keys typed `never` are moved keys, refused with
// a pointer to their new place, and are not listed. A Kubernetes API object passed through whole
// (marked with KUBERNETES_API_META, e.g. affinity) is one key: Kubernetes' reference documents it.
import { z } from 'zod';
import { KUBERNETES_API_META } from '../../src/config/kube-shapes.js';
import { configSchema } from '../../src/config/schema.js';

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Placeholder segment for a record's keys (the README writes `<component>`, `<port>`, …). */
export const ANY_KEY = '<*>';

function unwrap(s: unknown): unknown {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)) cur = d.innerType;
    // .transform() is pipe(schema, transform); z.preprocess() is pipe(transform, schema).
    else if (d.type === 'pipe') cur = defOf(d.in).type === 'transform' ? d.out : d.in;
    else return cur;
  }
}

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/** Does this schema describe objects (rather than scalars)? */
function isObjectLike(s: unknown): boolean {
  const d = defOf(unwrap(s));
  if (d.type === 'object') return true;
  if (d.type === 'union') return (d.options as unknown[]).every(isObjectLike);
  return false;
}

function walk(s: unknown, prefix: string, out: Set<string>): void {
  if (z.globalRegistry.get(unwrap(s) as z.ZodType)?.[KUBERNETES_API_META]) {
    out.add(prefix);
    return;
  }
  const d = defOf(unwrap(s));
  switch (d.type) {
    case 'never':
      return;
    case 'object': {
      const shape = d.shape as Record<string, unknown>;
      if (Object.keys(shape).length === 0 && prefix) out.add(prefix);
      for (const [k, v] of Object.entries(shape)) walk(v, join(prefix, k), out);
      return;
    }
    case 'union':
      if (isObjectLike(s)) for (const o of d.options as unknown[]) walk(o, prefix, out);
      else out.add(prefix);
      return;
    case 'record':
      if (isObjectLike(d.valueType)) walk(d.valueType, join(prefix, ANY_KEY), out);
      else out.add(prefix);
      return;
    case 'array':
      if (isObjectLike(d.element)) walk(d.element, prefix, out);
      else out.add(prefix);
      return;
    default:
      out.add(prefix);
  }
}

/** Every leaf key path of the config, sorted. */
export function configKeyPaths(schema: unknown = configSchema): string[] {
  const out = new Set<string>();
  walk(schema, '', out);
  return [...out].sort();
}
