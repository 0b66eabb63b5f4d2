// Makes a precompiled (non-strict) JSON-schema validator strict without a second schema.
//
// The validator runs on a recursive Proxy of the manifest that records which property
// names it looks up. Generated ajv code reads every property its schema declares, even
// absent ones (`void 0 === data.x`), and enumerates objects whose schema is a map
// (`for (const k in data)` for labels, annotations, resource lists). So after a run:
//   - an own key that was never looked up, in an object that was never enumerated, is a
//     field the schema does not know;
//   - an object the validator never touched at all is reported key by key as well, which
//     errs on the strict side for free-form fields (none exist in the kinds we check).

/** JSON-pointer segment escaping, identical to ajv's instancePath. */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface ReadNode {
  read: Set<string>;
  enumerated: boolean;
  children: Map<string, { node: ReadNode; proxy: object }>;
}

function newNode(): ReadNode {
  return { read: new Set(), enumerated: false, children: new Map() };
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function makeProxy<T extends object>(target: T, node: ReadNode): T {
  return new Proxy(target, {
    get(t, p, receiver) {
      const value: unknown = Reflect.get(t, p, receiver);
      if (typeof p !== 'string') return value;
      node.read.add(p);
      if (!Object.prototype.hasOwnProperty.call(t, p) || !isObject(value)) return value;
      let child = node.children.get(p);
      if (!child) {
        const childNode = newNode();
        child = { node: childNode, proxy: makeProxy(value, childNode) };
        node.children.set(p, child);
      }
      return child.proxy;
    },
    has(t, p) {
      if (typeof p === 'string') node.read.add(p);
      return Reflect.has(t, p);
    },
    getOwnPropertyDescriptor(t, p) {
      // for-in also lands here, but for-in has already called ownKeys (enumerated).
      if (typeof p === 'string') node.read.add(p);
      return Reflect.getOwnPropertyDescriptor(t, p);
    },
    ownKeys(t) {
      node.enumerated = true;
      return Reflect.ownKeys(t);
    },
  });
}

export interface Tracked<T extends object> {
  proxy: T;
  /** JSON pointers of fields the validator never looked at; subtrees for which `skip` returns true are not inspected. */
  unknownFields(skip: (pointer: string) => boolean): string[];
}

/** `root` must be plain JSON data (a fresh clone): the Proxy returns wrapped children, which frozen objects forbid. */
export function trackReads<T extends object>(root: T): Tracked<T> {
  const rootNode = newNode();
  const proxy = makeProxy(root, rootNode);
  return {
    proxy,
    unknownFields(skip) {
      const out: string[] = [];
      walk(root, rootNode, '', skip, out);
      return out;
    },
  };
}

function walk(value: unknown, node: ReadNode | undefined, pointer: string, skip: (p: string) => boolean, out: string[]): void {
  if (!isObject(value) || skip(pointer)) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, node?.children.get(String(i))?.node, `${pointer}/${i}`, skip, out));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPointer = `${pointer}/${escapePointer(key)}`;
    if (node?.enumerated) {
      // A map: every key is allowed; look inside values the validator descended into.
      const childNode = node.children.get(key)?.node;
      if (childNode) walk(child, childNode, childPointer, skip, out);
      continue;
    }
    if (!node || !node.read.has(key)) {
      out.push(childPointer);
      continue;
    }
    walk(child, node.children.get(key)?.node, childPointer, skip, out);
  }
}
