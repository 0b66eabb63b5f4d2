// The CLI's fast path for the config schema. Building the zod schema and zod's first parse were
// about a third of a cold `synth` (zod's per-schema set-up, then lazy work on first use). In the
// CLI bundle only (scripts/zod-lite.mjs maps `zod` here for src/), the config modules build their
// schema with this stand-in instead: plain nodes that keep what each zod call was given. A config
// is then checked by a small interpreter of those nodes that follows zod 4's rules for the cases
// our schema uses, calling the same transforms and refinements. Whenever it finds a problem, or
// meets anything it does not mirror exactly, it gives up and the real zod schema, replayed from
// the same calls, parses the config: errors always come from zod, and an accepted config gives the
// same value either way (test/perf-equivalence runs the config test corpus on this path).
//
// The nodes carry `_zod.def` in zod's shape (type, shape, options, innerType, in/out, …), because
// src/config reads it to explain errors and infer union selectors. A zod call not listed here
// still works: it becomes an opaque node that only real zod parses (correct, just not fast).
// MAILU_K8S_VALIDATION=full skips the fast path; =compare (tests) runs both and throws when zod
// would not give the same value.

import { createRequire } from 'node:module';
import { difference } from './difference.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

// --------------------------------------------------------------- the real zod, loaded on demand

let real: Any;
let realConfig: Record<string, unknown> | undefined;

function realZod(): Any {
  if (!real) {
    // In the CommonJS bundle esbuild inlines zod behind this require, evaluated on first use; run
    // from the sources as ES modules (tests), there is no require, so one is made.
    const mod = typeof require === 'function' ? require('zod') : createRequire(import.meta.url)('zod');
    real = (mod as { z: Any }).z;
    if (realConfig) real.config(realConfig);
  }
  return real;
}

// --------------------------------------------------------------- nodes

type Recipe = { fn: string; args: unknown[] } | { recv: Node; method: string; args: unknown[] };
type CheckKind = 'regex' | 'minLength' | 'maxLength' | 'length' | 'gt' | 'gte' | 'lt' | 'lte' | 'int' | 'includes' | 'startsWith' | 'endsWith' | 'refine' | 'superRefine' | 'overwrite';
interface Check {
  kind: CheckKind;
  value?: Any;
  fn?: (v: Any, ctx?: Any) => unknown;
}

const INVALID = Symbol('invalid'); // zod would report an issue here
const UNSURE = Symbol('unsure'); // outside what the interpreter mirrors: ask zod
const failed = (r: unknown): r is symbol => r === INVALID || r === UNSURE;

export const NEVER: unknown = Object.freeze({ status: 'aborted' });

/** How many parses each path answered (for tests: the fast path must answer the valid configs). */
export const pathCounts = { fast: 0, zod: 0 };

class Node {
  readonly _zod: { def: Any };
  protected materialized: Any;

  constructor(
    def: Any,
    readonly recipe: Recipe,
  ) {
    this._zod = { def };
  }

  /** The real zod schema: the recorded calls replayed against zod. */
  real(): Any {
    if (!this.materialized) {
      const r = this.recipe;
      this.materialized = 'fn' in r ? realZod()[r.fn](...r.args.map(toReal)) : r.recv.real()[r.method](...r.args.map(toReal));
    }
    return this.materialized;
  }

  protected derive(def: Any, method: string, args: unknown[]): Node {
    return new Node(def, { recv: this, method, args });
  }

  private withCheck(check: Check, method: string, args: unknown[]): Node {
    if (this instanceof OpaqueNode) return new OpaqueNode({ recv: this, method, args });
    const def = this._zod.def;
    return this.derive({ ...def, checks: [...(def.checks ?? []), check] }, method, args);
  }

  private sized(kind: 'min' | 'max', n: number, params: unknown): Node {
    if (this instanceof OpaqueNode) return new OpaqueNode({ recv: this, method: kind, args: [n, params] });
    const numeric = this._zod.def.type === 'number';
    const check: CheckKind = kind === 'min' ? (numeric ? 'gte' : 'minLength') : numeric ? 'lte' : 'maxLength';
    return this.withCheck({ kind: check, value: n }, kind, [n, params]);
  }

  optional(): Node {
    return this.derive({ type: 'optional', innerType: this }, 'optional', []);
  }
  nullable(): Node {
    return this.derive({ type: 'nullable', innerType: this }, 'nullable', []);
  }
  nullish(): Node {
    return this.nullable().optional();
  }
  default(value: unknown): Node {
    return this.derive(withDefault({ type: 'default', innerType: this }, value), 'default', [value]);
  }
  prefault(value: unknown): Node {
    return this.derive(withDefault({ type: 'prefault', innerType: this }, value), 'prefault', [value]);
  }
  transform(fn: (v: Any, ctx: Any) => unknown): Node {
    return this.derive({ type: 'pipe', in: this, out: transformNode(fn) }, 'transform', [fn]);
  }
  pipe(out: Node): Node {
    return this.derive({ type: 'pipe', in: this, out }, 'pipe', [out]);
  }
  or(other: Node): Node {
    return this.derive({ type: 'union', options: [this, other] }, 'or', [other]);
  }
  array(): Node {
    return this.derive({ type: 'array', element: this }, 'array', []);
  }
  /** Metadata and descriptions change nothing a parse does. */
  meta(data: unknown): Node {
    return this instanceof OpaqueNode ? new OpaqueNode({ recv: this, method: 'meta', args: [data] }) : this.derive(this._zod.def, 'meta', [data]);
  }
  describe(text: string): Node {
    return this instanceof OpaqueNode ? new OpaqueNode({ recv: this, method: 'describe', args: [text] }) : this.derive(this._zod.def, 'describe', [text]);
  }
  regex(re: RegExp, params?: unknown): Node {
    return this.withCheck({ kind: 'regex', value: re }, 'regex', [re, params]);
  }
  min(n: number, params?: unknown): Node {
    return this.sized('min', n, params);
  }
  max(n: number, params?: unknown): Node {
    return this.sized('max', n, params);
  }
  length(n: number, params?: unknown): Node {
    return this.withCheck({ kind: 'length', value: n }, 'length', [n, params]);
  }
  nonempty(params?: unknown): Node {
    return this.withCheck({ kind: 'minLength', value: 1 }, 'nonempty', [params]);
  }
  gt(n: number, params?: unknown): Node {
    return this.withCheck({ kind: 'gt', value: n }, 'gt', [n, params]);
  }
  gte(n: number, params?: unknown): Node {
    return this.withCheck({ kind: 'gte', value: n }, 'gte', [n, params]);
  }
  lt(n: number, params?: unknown): Node {
    return this.withCheck({ kind: 'lt', value: n }, 'lt', [n, params]);
  }
  lte(n: number, params?: unknown): Node {
    return this.withCheck({ kind: 'lte', value: n }, 'lte', [n, params]);
  }
  positive(params?: unknown): Node {
    return this.withCheck({ kind: 'gt', value: 0 }, 'positive', [params]);
  }
  nonnegative(params?: unknown): Node {
    return this.withCheck({ kind: 'gte', value: 0 }, 'nonnegative', [params]);
  }
  int(params?: unknown): Node {
    return this.withCheck({ kind: 'int' }, 'int', [params]);
  }
  includes(s: string, params?: Any): Node {
    const check: Check = params?.position !== undefined ? { kind: 'refine', fn: () => UNSURE } : { kind: 'includes', value: s };
    return this.withCheck(check, 'includes', [s, params]);
  }
  startsWith(s: string, params?: unknown): Node {
    return this.withCheck({ kind: 'startsWith', value: s }, 'startsWith', [s, params]);
  }
  endsWith(s: string, params?: unknown): Node {
    return this.withCheck({ kind: 'endsWith', value: s }, 'endsWith', [s, params]);
  }
  trim(): Node {
    return this.withCheck({ kind: 'overwrite', fn: (s: string) => s.trim() }, 'trim', []);
  }
  toLowerCase(): Node {
    return this.withCheck({ kind: 'overwrite', fn: (s: string) => s.toLowerCase() }, 'toLowerCase', []);
  }
  toUpperCase(): Node {
    return this.withCheck({ kind: 'overwrite', fn: (s: string) => s.toUpperCase() }, 'toUpperCase', []);
  }
  refine(fn: (v: Any) => unknown, params?: Any): Node {
    // `when` changes when zod runs a check: not mirrored, so such a check always asks zod.
    const check: Check = params && typeof params === 'object' && 'when' in params ? { kind: 'refine', fn: () => UNSURE } : { kind: 'refine', fn };
    return this.withCheck(check, 'refine', [fn, params]);
  }
  superRefine(fn: (v: Any, ctx: Any) => unknown, params?: unknown): Node {
    return this.withCheck({ kind: 'superRefine', fn }, 'superRefine', [fn, params]);
  }

  safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: unknown } {
    const mode = process.env.MAILU_K8S_VALIDATION;
    if (mode !== 'full') {
      const out = run(this, input, new Set());
      if (!failed(out)) {
        pathCounts.fast++;
        if (mode === 'compare') this.assertZodAgrees(input, out);
        return { success: true, data: out };
      }
    }
    pathCounts.zod++;
    return this.real().safeParse(input);
  }

  parse(input: unknown): unknown {
    const r = this.safeParse(input);
    if (r.success) return r.data;
    throw r.error;
  }

  /** MAILU_K8S_VALIDATION=compare (tests): zod must accept the input too, with the same value. */
  private assertZodAgrees(input: unknown, fast: unknown): void {
    const r = this.real().safeParse(input);
    const why = r.success ? difference(fast, r.data, '') : 'zod refuses it';
    if (why !== undefined) throw new Error(`fast config check differs from zod (${why}) for ${JSON.stringify(input)}`);
  }
}

/** A zod call this file does not mirror: only real zod parses it, and its def is zod's own. */
class OpaqueNode extends Node {
  constructor(recipe: Recipe, materialized?: Any) {
    super(undefined, recipe);
    this.materialized = materialized;
    Object.defineProperty(this, '_zod', { get: () => this.real()._zod });
  }
}

// Other zod schema methods (zod 4 classic): recorded, and left to zod.
const OPAQUE_METHODS = [
  'and', 'apply', 'brand', 'catch', 'catchall', 'check', 'cidrv4', 'cidrv6', 'clone', 'datetime', 'email', 'exactOptional',
  'exclude', 'extend', 'extract', 'finite', 'ipv4', 'ipv6', 'keyof', 'loose', 'lowercase', 'merge', 'multipleOf', 'negative',
  'nonoptional', 'nonpositive', 'normalize', 'omit', 'overwrite', 'partial', 'passthrough', 'pick', 'readonly', 'register',
  'required', 'safe', 'safeExtend', 'slugify', 'step', 'strict', 'strip', 'uppercase', 'url', 'uuid', 'with',
];
for (const method of OPAQUE_METHODS) {
  Object.defineProperty(Node.prototype, method, {
    value(this: Node, ...args: unknown[]) {
      return new OpaqueNode({ recv: this, method, args });
    },
  });
}

function toReal(arg: unknown): unknown {
  if (arg instanceof Node) return arg.real();
  if (Array.isArray(arg) && arg.some((a) => a instanceof Node)) return arg.map(toReal);
  if (isPlain(arg) && Object.values(arg).some((a) => a instanceof Node)) {
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, toReal(v)]));
  }
  return arg;
}

/** zod's default values: a fresh shallow copy each time, or the function's result. */
function withDefault(def: Any, value: unknown): Any {
  return Object.defineProperty(def, 'defaultValue', {
    enumerable: true,
    get: () => (typeof value === 'function' ? value() : Array.isArray(value) ? [...value] : isPlain(value) ? { ...value } : value),
  });
}

function transformNode(fn: (v: Any, ctx: Any) => unknown): Node {
  return new Node({ type: 'transform', transform: fn }, { fn: 'transform', args: [fn] });
}

// --------------------------------------------------------------- the z namespace

// zod's own email pattern (zod/v4/core/regexes.js); a test checks it is still zod's.
export const EMAIL = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

const node = (fn: string, def: Any, args: unknown[]) => new Node(def, { fn, args });

const known = {
  NEVER,
  string: (params?: unknown) => node('string', { type: 'string' }, [params]),
  number: (params?: unknown) => node('number', { type: 'number' }, [params]),
  boolean: (params?: unknown) => node('boolean', { type: 'boolean' }, [params]),
  never: (params?: unknown) => node('never', { type: 'never' }, [params]),
  email: (params?: Any) =>
    params?.pattern ? new OpaqueNode({ fn: 'email', args: [params] }) : node('email', { type: 'string', format: 'email', checks: [{ kind: 'regex', value: EMAIL }] }, [params]),
  literal: (value: unknown, params?: unknown) => node('literal', { type: 'literal', values: Array.isArray(value) ? value : [value] }, [value, params]),
  enum: (values: readonly string[] | Record<string, string>, params?: unknown) =>
    node('enum', { type: 'enum', entries: Array.isArray(values) ? Object.fromEntries(values.map((v) => [v, v])) : values }, [values, params]),
  strictObject: (shape: Record<string, Node>, params?: unknown) =>
    node('strictObject', { type: 'object', shape, catchall: known.never() }, [shape, params]),
  array: (element: Node, params?: unknown) => node('array', { type: 'array', element }, [element, params]),
  record: (keyType: Node, valueType: Node, params?: unknown) =>
    valueType instanceof Node
      ? node('record', { type: 'record', keyType, valueType }, [keyType, valueType, params])
      : new OpaqueNode({ fn: 'record', args: [keyType, valueType, params] }), // zod 3's record(valueType)
  partialRecord: (keyType: Node, valueType: Node, params?: unknown) =>
    node('partialRecord', { type: 'record', keyType, valueType, partial: true }, [keyType, valueType, params]),
  union: (options: Node[], params?: unknown) => node('union', { type: 'union', options }, [options, params]),
  discriminatedUnion: (discriminator: string, options: Node[], params?: Any) =>
    node('discriminatedUnion', { type: 'union', options, discriminator, ...(params?.unionFallback ? { unionFallback: true } : {}) }, [discriminator, options, params]),
  preprocess: (fn: (v: Any, ctx: Any) => unknown, schema: Node) =>
    node('preprocess', { type: 'pipe', in: transformNode(fn), out: schema }, [fn, schema]),
  config(cfg: Record<string, unknown>) {
    realConfig = { ...realConfig, ...cfg };
    if (real) real.config(cfg);
  },
  toJSONSchema: (schema: Node, params?: unknown) => realZod().toJSONSchema(schema.real(), params),
};

/**
 * The `z` our sources see. Anything else they use is zod's own: a schema it returns is wrapped
 * so it composes with these nodes (and is parsed by zod alone).
 */
export const z: Any = new Proxy(known, {
  get(target, name) {
    if (typeof name !== 'string' || name in target) return (target as Any)[name];
    const member = realZod()[name];
    if (typeof member !== 'function') return member;
    return (...args: unknown[]) => {
      const out = member(...args.map(toReal));
      return out && typeof out === 'object' && '_zod' in out ? new OpaqueNode({ fn: name, args }, out) : out;
    };
  },
});

// --------------------------------------------------------------- the interpreter

function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(v, 'constructor');
}

type Opt = { optin?: 'optional' | 'defaulted'; optout?: 'optional'; opaque?: true };

const optionalities = new WeakMap<Node, Opt>();

/** zod's optin/optout: whether a key may be absent on input, and may be absent on output. */
function optionality(n: Node): Opt {
  let opt = optionalities.get(n);
  if (!opt) optionalities.set(n, (opt = computeOptionality(n)));
  return opt;
}

function computeOptionality(n: Node): Opt {
  if (n instanceof OpaqueNode) return { opaque: true };
  const def = n._zod.def;
  switch (def.type) {
    case 'transform':
      return { optin: 'optional' };
    case 'optional': {
      const inner = optionality(def.innerType);
      return inner.opaque ? inner : { optin: inner.optin === 'defaulted' ? 'defaulted' : 'optional', optout: 'optional' };
    }
    case 'nullable':
      return optionality(def.innerType);
    case 'default':
    case 'prefault':
      return { optin: 'defaulted' };
    case 'pipe': {
      const [a, b] = [optionality(def.in), optionality(def.out)];
      return a.opaque || b.opaque ? { opaque: true } : { optin: a.optin, optout: b.optout };
    }
    case 'union': {
      const opts = (def.options as Node[]).map(optionality);
      if (opts.some((o) => o.opaque)) return { opaque: true };
      const optin = opts.some((o) => o.optin === 'defaulted') ? 'defaulted' : opts.some((o) => o.optin !== undefined) ? 'optional' : undefined;
      return { optin, optout: opts.some((o) => o.optout === 'optional') ? 'optional' : undefined };
    }
    default:
      return {};
  }
}

/** `input` parsed by `n` the way zod would, or INVALID / UNSURE. `active`: objects being parsed (cycles). */
function run(n: Node, input: unknown, active: Set<object>): unknown {
  if (n instanceof OpaqueNode) return UNSURE;
  const def = n._zod.def;
  let out = parse(def, input, active);
  if (failed(out) || !def.checks) return out;
  for (const check of def.checks as Check[]) {
    const r = runCheck(check, out);
    if (failed(r)) return r;
    if (check.kind === 'overwrite') out = r;
  }
  return out;
}

function parse(def: Any, input: unknown, active: Set<object>): unknown {
  switch (def.type) {
    case 'string':
      return typeof input === 'string' ? input : INVALID;
    case 'number':
      return typeof input === 'number' && Number.isFinite(input) ? input : INVALID;
    case 'boolean':
      return typeof input === 'boolean' ? input : INVALID;
    case 'never':
      return INVALID;
    case 'literal':
      return (def.values as unknown[]).includes(input) ? input : INVALID;
    case 'enum':
      return enumValues(def).has(input) ? input : INVALID;
    case 'nullable':
      return input === null ? null : run(def.innerType, input, active);
    case 'optional':
      return parseOptional(def, input, active);
    case 'default':
      return parseDefault(def, input, active);
    case 'prefault':
      return run(def.innerType, input === undefined ? def.defaultValue : input, active);
    case 'pipe': {
      const left = run(def.in, input, active);
      return failed(left) ? left : run(def.out, left, active);
    }
    case 'transform':
      return callWithCtx(def.transform, input, (out) => out);
    default:
      return parseCollection(def, input, active);
  }
}

const enumSets = new WeakMap<object, Set<unknown>>();

function enumValues(def: Any): Set<unknown> {
  let values = enumSets.get(def);
  if (!values) enumSets.set(def, (values = new Set(Object.values(def.entries as object))));
  return values;
}

function parseCollection(def: Any, input: unknown, active: Set<object>): unknown {
  switch (def.type) {
    case 'union':
      if (def.discriminator === undefined) return parseUnion(def, input, active);
      return def.unionFallback ? UNSURE : parseDiscriminated(def, input, active);
    case 'array':
    case 'object':
    case 'record':
      return withinContainer(def, input, active);
    default:
      return UNSURE;
  }
}

/** An object or array whose values are parsed next; one it already contains is a cycle (YAML aliases). */
function withinContainer(def: Any, input: unknown, active: Set<object>): unknown {
  if (input !== null && typeof input === 'object') {
    if (active.has(input)) return UNSURE; // zod's memoizer handles cycles
    active.add(input);
  }
  try {
    if (def.type === 'array') return parseArray(def, input, active);
    if (def.type === 'record') return parseRecord(def, input, active);
    return def.catchall?._zod.def?.type === 'never' ? parseObject(def, input, active) : UNSURE;
  } finally {
    if (input !== null && typeof input === 'object') active.delete(input);
  }
}

function parseOptional(def: Any, input: unknown, active: Set<object>): unknown {
  if (input !== undefined) return run(def.innerType, input, active);
  // zod substitutes only for a defaulted inner schema, and then swallows its issues.
  const inner = optionality(def.innerType);
  if (inner.opaque) return UNSURE;
  if (inner.optin !== 'defaulted') return undefined;
  const r = run(def.innerType, undefined, active);
  return r === INVALID ? UNSURE : r;
}

function parseDefault(def: Any, input: unknown, active: Set<object>): unknown {
  if (input === undefined) return def.defaultValue;
  const r = run(def.innerType, input, active);
  return r === undefined ? def.defaultValue : r;
}

/** A transform or superRefine: zod hands the function its payload, whose issues mean failure. */
function callWithCtx(fn: (v: Any, ctx: Any) => unknown, value: unknown, accept: (out: unknown) => unknown): unknown {
  const issues: unknown[] = [];
  const ctx = { value, issues, addIssue: (issue: unknown) => issues.push(issue) };
  const out = fn(value, ctx);
  if (issues.length > 0) return INVALID;
  if (out instanceof Promise || out === NEVER) return UNSURE;
  return accept(out);
}

/** true when the check passes, INVALID / UNSURE when not; an overwrite check gives the new value. */
function runCheck(check: Check, value: Any): unknown {
  const pass = (ok: boolean) => (ok ? true : INVALID);
  switch (check.kind) {
    case 'regex':
      (check.value as RegExp).lastIndex = 0;
      return pass((check.value as RegExp).test(value));
    case 'minLength':
      return pass(value.length >= check.value);
    case 'maxLength':
      return pass(value.length <= check.value);
    case 'length':
      return pass(value.length === check.value);
    case 'gt':
      return pass(value > check.value);
    case 'gte':
      return pass(value >= check.value);
    case 'lt':
      return pass(value < check.value);
    case 'lte':
      return pass(value <= check.value);
    case 'int':
      return pass(Number.isSafeInteger(value));
    case 'includes':
      return pass(value.includes(check.value));
    case 'startsWith':
      return pass(value.startsWith(check.value));
    case 'endsWith':
      return pass(value.endsWith(check.value));
    case 'overwrite':
      return check.fn!(value);
    case 'refine': {
      const r = check.fn!(value);
      return r === UNSURE || r instanceof Promise ? UNSURE : pass(Boolean(r));
    }
    case 'superRefine':
      return callWithCtx(check.fn!, value, () => true);
    default:
      return UNSURE;
  }
}

function parseArray(def: Any, input: unknown, active: Set<object>): unknown {
  if (!Array.isArray(input)) return INVALID;
  if (Object.getPrototypeOf(input) !== Array.prototype) return UNSURE;
  const out = new Array<unknown>(input.length);
  for (let i = 0; i < input.length; i++) {
    const r = run(def.element, input[i], active);
    if (failed(r)) return r;
    out[i] = r;
  }
  return out;
}

function parseObject(def: Any, input: unknown, active: Set<object>): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return INVALID;
  if (!isPlain(input)) return UNSURE;
  const shape = def.shape as Record<string, Node>;
  if (Object.getOwnPropertySymbols(shape).length > 0 || Object.hasOwn(shape, '__proto__')) return UNSURE;
  for (const key in input) {
    if (key === '__proto__') return UNSURE;
    if (!Object.hasOwn(shape, key)) return INVALID; // strict: zod reports the unknown key
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const r = parseProperty(shape[key]!, key, input as Record<string, unknown>, out, active);
    if (failed(r)) return r;
  }
  return out;
}

/** One key of an object, placed in `out` as zod's handlePropertyResult places it. */
function parseProperty(el: Node, key: string, input: Record<string, unknown>, out: Record<string, unknown>, active: Set<object>): unknown {
  const { optin, optout, opaque } = optionality(el);
  if (opaque) return UNSURE;
  const present = key in input;
  if (!present && optout === 'optional' && optin === 'optional') return undefined;
  const r = run(el, input[key], active);
  if (failed(r)) return !present && optin !== undefined && optout === 'optional' ? UNSURE : r;
  if (!present && optin === undefined) return INVALID; // required
  if (r !== undefined) out[key] = r;
  else if (present || (optin === 'defaulted' && optout !== 'optional')) out[key] = undefined;
  return undefined;
}

function parseRecord(def: Any, input: unknown, active: Set<object>): unknown {
  if (!isPlain(input)) return input !== null && typeof input === 'object' && !Array.isArray(input) ? UNSURE : INVALID;
  if (def.keyType instanceof OpaqueNode || def.mode !== undefined) return UNSURE;
  const keyDef = def.keyType._zod.def;
  if (!def.partial && (keyDef.type === 'enum' || keyDef.type === 'literal')) return UNSURE; // exhaustive records: not mirrored
  const out: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(input)) {
    if (typeof key !== 'string' || key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(input, key)) return UNSURE;
    const k = run(def.keyType, key, active);
    if (failed(k)) return k === INVALID && /^-?\d/.test(key) ? UNSURE : k; // zod retries numeric keys as numbers
    if (k === '__proto__' || typeof k !== 'string') return UNSURE;
    const v = run(def.valueType, input[key], active);
    if (failed(v)) return v;
    out[k] = v;
  }
  return out;
}

function parseUnion(def: Any, input: unknown, active: Set<object>): unknown {
  // zod takes the first option without issues.
  for (const option of def.options as Node[]) {
    const r = run(option, input, active);
    if (r !== INVALID) return r;
  }
  return INVALID;
}

function parseDiscriminated(def: Any, input: unknown, active: Set<object>): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return INVALID;
  const claims = (def.options as Node[]).map((o) => selectorValues(o, def.discriminator));
  if (claims.some((c) => c === undefined)) return UNSURE;
  const value = (input as Record<string, unknown>)[def.discriminator];
  const matches = (def.options as Node[]).filter((_, i) => claims[i]!.includes(value));
  if (value === undefined || matches.length > 1) return UNSURE;
  return matches.length === 0 ? INVALID : run(matches[0]!, input, active);
}

/** The selector values a discriminated-union option claims (a plain literal or enum field). */
function selectorValues(option: Node, disc: string): unknown[] | undefined {
  if (option instanceof OpaqueNode) return undefined;
  const d = option._zod.def;
  const field = d.type === 'object' ? (d.shape as Record<string, Node>)[disc] : undefined;
  if (!field || field instanceof OpaqueNode || field._zod.def.checks) return undefined;
  const f = field._zod.def;
  if (f.type === 'literal') return f.values;
  if (f.type === 'enum') return Object.values(f.entries);
  return undefined;
}
