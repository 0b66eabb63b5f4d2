// A small YAML emitter for manifests (JSON-shaped data only). The `yaml` package's stringify was
// a fifth of a cold `synth` run; manifests need none of its generality. Output is safe for both
// YAML 1.1 (Kubernetes' parser) and 1.2 readers: a string is written plain only when no reader can
// take it for anything but a string, otherwise double-quoted (JSON escaping is valid YAML) or, for
// multi-line text, as a literal block. Tests parse every generated file back and compare.

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// YAML 1.1 reads these (in any case) as booleans or null.
const RESERVED = /^(y|yes|n|no|true|false|on|off|null|~)$/i;
const KEY_PLAIN = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;

function scalarString(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

function key(k: string): string {
  return KEY_PLAIN.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

/** Literal block for readable multi-line text; null when the text cannot round-trip as one. */
function block(s: string, indent: string): string | null {
  if (!s.includes('\n') || /[^\n\x20-\x7e]/.test(s) || / \n/.test(s) || s.endsWith(' ')) return null;
  // The first non-empty line fixes the block's indentation: it must not start with a space.
  if (/^\n*[ ]/.test(s)) return null;
  const body = s.endsWith('\n') ? s.slice(0, -1) : s;
  if (body.endsWith('\n')) return null; // several trailing newlines need "keep" chomping: quote instead
  const chomp = s.endsWith('\n') ? '|' : '|-';
  return `${chomp}\n${body.split('\n').map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

function scalar(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'string') return scalarString(v);
  return undefined;
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '{}';
  return undefined;
}

/**
 * Writes `v` (a collection) as lines into `out`, each indented by `indent`; the first line starts
 * with `first` instead when given (a sequence item's "- "), so nested items need no copying.
 */
function emit(v: unknown, indent: string, out: string[], first?: string): void {
  let prefix = first ?? indent;
  if (Array.isArray(v)) {
    for (const item of v) {
      const simple = isEmptyCollection(item) ?? scalar(item);
      if (simple !== undefined) {
        out.push(`${prefix}- ${typeof item === 'string' ? (block(item, `${indent}  `) ?? simple) : simple}`);
      } else {
        // Nested collection: its first line shares the "- " line.
        emit(item, `${indent}  `, out, `${prefix}- `);
      }
      prefix = indent;
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val === undefined) continue;
    const simple = isEmptyCollection(val) ?? scalar(val);
    if (simple !== undefined) {
      const text = typeof val === 'string' ? (block(val, `${indent}  `) ?? simple) : simple;
      out.push(`${prefix}${key(k)}: ${text}`);
    } else {
      out.push(`${prefix}${key(k)}:`);
      // Sequences under a mapping key are indented like the key's children (a common style).
      emit(val, `${indent}  `, out);
    }
    prefix = indent;
  }
}

/** One YAML document (no leading "---"), ending with a newline. */
export function toYamlDocument(value: Record<string, unknown>): string {
  const out: string[] = [];
  emit(value, '', out);
  return `${out.join('\n')}\n`;
}
