// Patch formats the test API server accepts: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`JSON pointer "${path}" must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path "${path}" does not exist`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new PatchError(`path "${path}" does not exist`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw new PatchError(`path "${path}" does not exist`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw new PatchError(`path "${path}" does not exist`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length)) throw new PatchError(`index in "${path}" out of range`);
    if (replace) {
      if (i >= parent.length) throw new PatchError(`path "${path}" does not exist`);
      parent[i] = structuredClone(value);
    } else {
      parent.splice(i, 0, structuredClone(value));
    }
  } else {
    if (replace && !(key in parent)) throw new PatchError(`path "${path}" does not exist`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations');
  let doc: unknown = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = addAt(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new PatchError(`test operation failed at "${raw.path}"`);
        }
        break;
      case 'move':
      case 'copy': {
        if (raw.from === undefined) throw new PatchError(`${raw.op} needs "from"`);
        const v = raw.op === 'move' ? removeAt(doc, raw.from) : structuredClone(getAt(doc, raw.from));
        doc = addAt(doc, raw.path, v, false);
        break;
      }
      default:
        throw new PatchError(`unsupported JSON patch operation "${String(raw.op)}"`);
    }
  }
  return doc as Json;
}
