// What cdk8s's ApiObject.toJson() computes, for the common case of plain JSON data, without its
// generic machinery: resolve() walks every value through each resolver (Lazy, implicit tokens,
// number/string unions) and builds a copy, then sanitizeValue() sorts keys and drops nulls in a
// second copy. For data made only of plain objects, arrays, strings, numbers and booleans the
// built-in resolvers change nothing, so one sorting, null-dropping copy gives the same manifest.
// Anything else (a Lazy, a class instance, a function, an object with its own `resolve` or
// `constructor`) makes plainCopy return NOT_PLAIN and the caller uses cdk8s's own path.
import { ImplicitTokenResolver, LazyResolver, NumberStringUnionResolver, type IResolver } from 'cdk8s';

export const NOT_PLAIN = Symbol('not plain JSON');

/** True when an App runs only cdk8s's built-in resolvers, which leave plain data as it is. */
export function onlyBuiltInResolvers(resolvers: readonly IResolver[]): boolean {
  const builtIn = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];
  return resolvers.length === builtIn.length && resolvers.every((r, i) => r.constructor === builtIn[i]);
}

/**
 * resolve() then sanitizeValue() (keys sorted unless `sortKeys` is false, null and undefined
 * dropped from objects and turned into undefined in arrays), or NOT_PLAIN.
 */
export function plainCopy(value: unknown, sortKeys: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  if (type !== 'object') return NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = plainCopy(value[i], sortKeys);
      if (v === NOT_PLAIN) return NOT_PLAIN;
      out[i] = v;
    }
    return out;
  }
  return plainObject(value as Record<string, unknown>, sortKeys);
}

function plainObject(value: Record<string, unknown>, sortKeys: boolean): unknown {
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  // Own keys that cdk8s's resolvers or sanitizer look at change its result: leave those to it.
  if (Object.hasOwn(value, 'constructor') || typeof value.resolve === 'function') return NOT_PLAIN;
  const keys = Object.keys(value);
  if (sortKeys) keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = plainCopy(value[k], sortKeys);
    if (v === NOT_PLAIN) return NOT_PLAIN;
    if (v !== undefined) out[k] = v;
  }
  return out;
}
