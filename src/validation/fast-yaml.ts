// A fast reader for config files written the way people write them: block mappings and
// sequences, one-line flow collections, plain, single- and double-quoted scalars, comments. The
// `yaml` library's first parse of a small config cost several milliseconds of a cold `synth`; this
// reads the same file in a fraction of that. It answers only what it reads exactly as `yaml` does
// (YAML 1.2 core schema, toJS()); anything else (anchors, tags, block scalars, multi-line
// scalars, tabs, duplicate keys, an error of any kind) returns undefined and `yaml` reads the
// file, so errors always come from it. test/perf-equivalence compares both on every config text.

export interface FastYaml {
  value: Record<string, unknown>;
  /** Plain scalars read as numbers or booleans, in document order, with the text as typed. */
  typed: { path: (string | number)[]; source: string }[];
}

class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

interface Line {
  indent: number;
  text: string; // without indentation
}

/** The config as `yaml`'s parseDocument(text).toJS() gives it, or undefined. */
export function fastYaml(text: string): FastYaml | undefined {
  try {
    const reader = new Reader(contentLines(text));
    if (reader.lines.length === 0 || reader.lines[0]!.indent !== 0) return undefined;
    const value = reader.block(0, []);
    if (reader.pos !== reader.lines.length || !isMap(value)) return undefined;
    return { value, typed: reader.typed };
  } catch (e) {
    if (e instanceof Decline) return undefined;
    throw e;
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function contentLines(text: string): Line[] {
  if (/[\t\r\uFEFF]/.test(text)) decline();
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const body = raw.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    if (/^(---|\.\.\.|%)/.test(raw)) decline(); // documents and directives
    lines.push({ indent: raw.length - body.length, text: body.trimEnd() });
  }
  return lines;
}

class Reader {
  pos = 0;
  readonly typed: FastYaml['typed'] = [];

  constructor(readonly lines: Line[]) {}

  /** The block starting at the current line, whose lines are indented by `indent`. */
  block(indent: number, path: (string | number)[]): unknown {
    const first = this.lines[this.pos]!;
    if (first.indent !== indent) decline();
    return isSeqItem(first.text) ? this.sequence(indent, path) : this.mapping(indent, path, first.text);
  }

  private sequence(indent: number, path: (string | number)[]): unknown[] {
    const out: unknown[] = [];
    while (this.pos < this.lines.length && this.lines[this.pos]!.indent === indent && isSeqItem(this.lines[this.pos]!.text)) {
      const rest = this.lines[this.pos]!.text.slice(1).trimStart();
      const at = [...path, out.length];
      if (rest === '') {
        this.pos++;
        out.push(this.nested(indent, at, false));
      } else if (isSeqItem(rest) || rest.startsWith('#')) {
        decline();
      } else if (keyEnd(rest) !== -1) {
        // "- key: value": a mapping whose keys line up with this first key.
        const inner = this.lines[this.pos]!.indent + (this.lines[this.pos]!.text.length - rest.length);
        this.lines[this.pos] = { indent: inner, text: rest };
        out.push(this.mapping(inner, at, rest));
      } else {
        this.pos++;
        out.push(this.inline(rest, at));
        this.noContinuation(indent);
      }
    }
    return out;
  }

  private mapping(indent: number, path: (string | number)[], _first: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.pos < this.lines.length && this.lines[this.pos]!.indent === indent) {
      const text = this.lines[this.pos]!.text;
      if (isSeqItem(text)) decline();
      const end = keyEnd(text);
      if (end === -1) decline();
      const key = mapKey(text.slice(0, end));
      if (Object.hasOwn(out, key)) decline(); // a duplicate: yaml reports it
      const rest = text.slice(end + 1).trimStart();
      this.pos++;
      if (rest === '' || rest.startsWith('#')) out[key] = this.nested(indent, [...path, key], true);
      else {
        out[key] = this.inline(rest, [...path, key]);
        this.noContinuation(indent);
      }
    }
    if (this.pos < this.lines.length && this.lines[this.pos]!.indent > indent) decline();
    return out;
  }

  /** The value under "key:" or "-": a more indented block, a sequence at the key's indent, or null. */
  private nested(indent: number, path: (string | number)[], underKey: boolean): unknown {
    const next = this.lines[this.pos];
    if (next && next.indent > indent) return this.block(next.indent, path);
    if (next && underKey && next.indent === indent && isSeqItem(next.text)) return this.sequence(indent, path);
    return null;
  }

  /** A value on the rest of a line must not go on: a more indented line would continue a scalar. */
  private noContinuation(indent: number): void {
    const next = this.lines[this.pos];
    if (next && next.indent > indent) decline();
  }

  private inline(text: string, path: (string | number)[]): unknown {
    const flow = new Flow(text, path, this.typed);
    const value = flow.value(false);
    flow.end();
    return value;
  }
}

const isSeqItem = (text: string) => text === '-' || text.startsWith('- ');

/** Where a block mapping key ends (its ':'), or -1 when the line is not "key: …". */
function keyEnd(text: string): number {
  if (text[0] === '"' || text[0] === "'") {
    const close = quotedEnd(text, 0);
    return text[close] === ':' && (close + 1 === text.length || text[close + 1] === ' ') ? close : -1;
  }
  const m = /^[^\s#:\-?,[\]{}&*!|>'"%@`][^#]*?:(?= |$)/.exec(text) ?? /^-[^\s#][^#]*?:(?= |$)/.exec(text);
  return m ? m[0].length - 1 : -1;
}

function quotedEnd(text: string, start: number): number {
  const q = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (q === "'" && text[i] === "'" && text[i + 1] === "'") i++;
    else if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) return i + 1;
  }
  return decline();
}

/** A mapping key as toJS writes it: quoted and plain strings, and decimal integers as their digits. */
function mapKey(raw: string): string {
  let key: string;
  if (raw[0] === '"' || raw[0] === "'") key = unquote(raw);
  else {
    if (/\s$/.test(raw)) decline();
    const v = resolvePlain(raw);
    if (typeof v === 'string') key = v;
    else if (typeof v === 'number' && String(v) === raw) key = raw;
    else return decline();
  }
  if (key === '__proto__') decline();
  return key;
}

function unquote(raw: string): string {
  const q = raw[0]!;
  const body = raw.slice(1, -1);
  if (q === "'") return body.replace(/''/g, "'");
  const escapes: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };
  return body.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? decline());
}

// The YAML 1.2 core schema as `yaml` resolves plain scalars (yaml/dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const OTHER_NUMBERS = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

function resolvePlain(s: string): unknown {
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (OTHER_NUMBERS.test(s)) return decline();
  if (INT.test(s)) return parseInt(s, 10);
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/** A value on one line: a flow collection, a quoted scalar or a plain scalar, then maybe a comment. */
class Flow {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly path: (string | number)[],
    private readonly typed: FastYaml['typed'],
  ) {}

  value(inFlow: boolean, path = this.path): unknown {
    this.space();
    const c = this.text[this.i];
    if (c === '[') return this.seq(path);
    if (c === '{') return this.map(path);
    if (c === '"' || c === "'") {
      const start = this.i;
      this.i = quotedEnd(this.text, start);
      return unquote(this.text.slice(start, this.i));
    }
    return this.plain(inFlow, path);
  }

  private plain(inFlow: boolean, path: (string | number)[]): unknown {
    const rest = this.text.slice(this.i);
    if (rest === '' || /^[?:,[\]{}#&*!|>%@`]/.test(rest) || /^- /.test(rest) || rest === '-') decline();
    // Ends at a comment (" #"), and in flow at ',' ']' '}' or ": ".
    const m = (inFlow ? /^(?:[^,[\]{}#:]|:(?=[^\s,[\]{}])|#(?<! #))*/ : /^(?:[^#:]|:(?=\S)|#(?<=\S#))*/).exec(rest)!;
    const raw = m[0].trimEnd();
    if (raw === '' || raw.endsWith(':')) decline();
    this.i += m[0].length;
    const v = resolvePlain(raw);
    if (typeof v === 'number' || typeof v === 'boolean') this.typed.push({ path, source: raw });
    return v;
  }

  private seq(path: (string | number)[]): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(true, [...path, out.length]));
      this.space();
      if (this.text[this.i] === ':') decline(); // a single-pair mapping in a sequence
      if (this.eat(']')) return out;
      if (!this.eat(',')) decline();
    }
  }

  private map(path: (string | number)[]): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.eat('}')) return out;
    for (;;) {
      this.space();
      const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s,[\]{}#:"'][^,[\]{}#:]*?): /.exec(this.text.slice(this.i));
      if (!m) return decline();
      const key = mapKey(m[1]!);
      if (Object.hasOwn(out, key)) decline();
      this.i += m[0].length;
      out[key] = this.value(true, [...path, key]);
      this.space();
      if (this.eat('}')) return out;
      if (!this.eat(',')) decline();
    }
  }

  /** Only a comment may follow the value. */
  end(): void {
    this.space();
    if (this.i < this.text.length && !(this.text[this.i] === '#' && /\s/.test(this.text[this.i - 1] ?? ''))) decline();
  }

  private space(): void {
    while (this.text[this.i] === ' ') this.i++;
  }

  private eat(c: string): boolean {
    if (this.text[this.i] !== c) return false;
    this.i++;
    return true;
  }
}
