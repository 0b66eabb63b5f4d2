// The fast YAML reader (src/validation/fast-yaml.ts) against the `yaml` library: whatever it reads
// must equal yaml's toJS() (keys and their order included), and it must list exactly the plain
// scalars yaml reads as numbers or booleans, with their text; anything outside what it mirrors is
// left to yaml. (The config test corpus also runs through it in compare mode: fast-validation.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isScalar, parseDocument, visit, isPair, isSeq } from 'yaml';
import { fastYaml } from '../../src/validation/fast-yaml.js';
import { difference } from '../../src/validation/difference.js';
import { REPO_ROOT } from '../support/chart-helpers.js';
import { scaledConfig } from '../../bench/scale.mjs';

/** What yaml reads, and its plain number/boolean scalars with their paths and text. */
function viaYaml(text: string): { value: unknown; typed: { path: (string | number)[]; source: string }[] } {
  const doc = parseDocument(text, { uniqueKeys: true });
  assert.deepEqual(doc.errors, [], 'the sample is valid YAML');
  const typed: { path: (string | number)[]; source: string }[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || node.type !== 'PLAIN' || (typeof node.value !== 'number' && typeof node.value !== 'boolean')) return;
      const path: (string | number)[] = [];
      for (let i = 0; i < ancestors.length; i++) {
        const a = ancestors[i];
        if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
        else if (isSeq(a)) path.push(a.items.indexOf((ancestors[i + 1] ?? node) as never));
      }
      typed.push({ path, source: node.source! });
    },
  });
  return { value: doc.toJS(), typed };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(name) ? [p] : [];
  });
}

const SAMPLES: Record<string, string> = {
  'comments and blank lines': '# head\ndomain: example.com # trailing\n\n  # indented comment\nhostnames: [mail.example.com] # c\n',
  'quoted scalars': `a: "x: y # not a comment"\nb: 'it''s'\nc: "tab\\tnew\\nline \\"q\\" \\\\ /"\nd: ''\n"quoted key": 1\n`,
  'numbers, booleans, null as the core schema reads them': 'a: 10\nb: -3\nc: +4\nd: 1.10\ne: .5\nf: 5.\ng: 1e3\nh: 007\ni: true\nj: False\nk: TRUE\nl: yes\nm: no\nn: on\no: ~\np: null\nq:\nr: 0.0\ns: 2024.06.57\nt: 1_000\n',
  'nested blocks and sequences at the key indent': 'a:\n  b:\n    c: 1\n  d:\n  - x\n  - y: 1\n    z: [1, 2]\n  -\n    w: 2\ne:\n- 1\n-\n  - 2\n',
  'sequence of mappings': 'env:\n  - name: A\n    value: "1"\n  - name: B\n    valueFrom: { secretKeyRef: { name: s, key: k } }\n',
  'flow collections': 'a: { b: 1, c: [x, "y, z", \'w\'], d: {} , e: [] }\nf: [10.42.0.0/16, "fd00::/56", 2001:db8::25]\ng: {k8s.io/name: traefik, "x y": z}\n',
  'colons and hashes inside plain scalars': 'url: https://example.com:8443/a#frag\nip6: fd00:42::1\nlabel: a#b\ntime: 12:30\n',
  'integer-like keys': 'entryPoints:\n  25: smtp\n  465: submissions\n',
  'unicode and spaces': 'site: Mailü Post\nname:   padded value   \n',
};

const DECLINED: Record<string, string> = {
  anchors: 'a: &x 1\nb: *x\n',
  tags: 'a: !!str 1\n',
  'block scalar': 'a: |\n  text\n',
  'multi-line plain scalar': 'a: one\n  two\n',
  'multi-line flow': 'a: [1,\n  2]\n',
  tabs: 'a:\n\tb: 1\n',
  'duplicate keys': 'a: 1\na: 2\n',
  'document marker': '---\na: 1\n',
  'top-level sequence': '- a\n',
  'hex and octal': 'a: 0x1F\n',
  'special floats': 'a: .inf\n',
  'boolean key': 'true: 1\n',
  'proto key': '__proto__: 1\n',
  'CRLF line ends': 'a: 1\r\nb: 2\r\n',
  'empty flow value': 'a: { b: }\n',
  'mapping in a flow sequence': 'a: [b: c]\n',
  'sequence in a sequence on one line': 'a:\n- - 1\n',
  'inconsistent indentation': 'a:\n    b: 1\n  c: 2\n',
};

describe('fast YAML reader = yaml', () => {
  const texts: Record<string, string> = { ...SAMPLES, 'full.yaml x10': scaledConfig(10), 'full.yaml x100': scaledConfig(100) };
  for (const f of yamlFiles(join(REPO_ROOT, 'examples'))) texts[f.slice(REPO_ROOT.length + 1)] = readFileSync(f, 'utf8');

  for (const [name, text] of Object.entries(texts)) {
    it(`${name}: read, and the same as yaml's`, () => {
      const fast = fastYaml(text);
      assert.ok(fast, 'the fast reader reads it');
      const slow = viaYaml(text);
      assert.equal(difference(fast.value, slow.value), undefined);
      assert.deepEqual(fast.typed, slow.typed);
    });
  }

  for (const [name, text] of Object.entries(DECLINED)) {
    it(`${name}: left to yaml`, () => assert.equal(fastYaml(text), undefined));
  }
});
