// Every config key is documented in README.md's "Config reference" table, and the table names no
// key that does not exist.
//
// The convention (stated in the README above the table): a key is documented by a table row that
// either names its full dotted path in backticks in the first column (`exposure.loadBalancer.replicas`),
// or names an ancestor there (`exposure.loadBalancer`) and the rest of the path in backticks anywhere
// in the same row (`replicas`, or `proxyProtocol.trustedCidrs`). Record keys are written as any
// `<placeholder>` (`resources.<component>`). Defaults in square brackets do not count as keys.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ANY_KEY, configKeyPaths } from './config-keys.js';

interface Row {
  /** Paths named in the first column (outside [defaults]). */
  keys: string[];
  /** Every code span in the row. */
  spans: Set<string>;
  line: string;
}

const PATH_LIKE = /^[A-Za-z<][A-Za-z0-9<>*_-]*(\.[A-Za-z<][A-Za-z0-9<>*_-]*)*$/;

/** `<component>` and friends → the walker's placeholder. */
const normalise = (path: string) => path.split('.').map((s) => (/^<[^>]+>$/.test(s) ? ANY_KEY : s)).join('.');

const codeSpans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The rows of the "Config reference" section's `| key | meaning |` table. */
export function referenceRows(readme: string): Row[] {
  const start = readme.indexOf('\n## Config reference\n');
  assert.ok(start >= 0, 'README has a "## Config reference" section');
  const end = readme.indexOf('\n## ', start + 1);
  const lines = readme.slice(start, end < 0 ? undefined : end).split('\n');
  const header = lines.findIndex((l) => /^\|\s*key\s*\|\s*meaning\s*\|/.test(l));
  assert.ok(header >= 0, 'the section has a "| key | meaning |" table');
  const table = lines.slice(header + 1);
  const rows: Row[] = [];
  const stop = table.findIndex((l) => !l.startsWith('|'));
  for (const line of stop < 0 ? table : table.slice(0, stop)) {
    if (/^\|\s*-/.test(line)) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const first = (cells[0] ?? '').replace(/\[[^\]]*\]/g, '');
    const keys = codeSpans(first).filter((s) => PATH_LIKE.test(s)).map(normalise);
    if (keys.length === 0) continue; // the header row, or prose
    rows.push({ keys, spans: new Set(codeSpans(line).map(normalise)), line });
  }
  return rows;
}

/** Keys of the schema no row documents. */
export function undocumented(paths: string[], rows: Row[]): string[] {
  return paths.filter(
    (p) =>
      !rows.some((r) =>
        r.keys.some((k) => p === k || (p.startsWith(`${k}.`) && r.spans.has(p.slice(k.length + 1)))),
      ),
  );
}

/** First-column paths that are no key (nor the parent of a key) of the schema. */
export function unknownInReadme(paths: string[], rows: Row[]): string[] {
  const prefixes = new Set(paths.flatMap((p) => p.split('.').map((_, i, segs) => segs.slice(0, i + 1).join('.'))));
  return [...new Set(rows.flatMap((r) => r.keys))].filter((k) => !prefixes.has(k));
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const paths = configKeyPaths();

describe('README config reference', () => {
  it('the schema walk reaches into unions, records and nested sections', () => {
    for (const p of ['exposure.loadBalancer.replicas', 'exposure.traefik.trustedProxyCidrs', 'web.namespace', 'redis.image', 'dns.dkim.selector', `resources.${ANY_KEY}.limits.cpu`, 'database.roundcube.secret.name', 'resolver.replicas', 'cluster.distribution', 'manageNamespace']) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    }
    assert.ok(!paths.includes('exposure.traefik.namespace'), 'moved keys are not keys');
    assert.ok(!paths.some((p) => p.startsWith('mailu.env.')), 'a record of scalars is one key');
  });

  it('documents every key', () => {
    assert.deepEqual(undocumented(paths, referenceRows(readme)), []);
  });

  it('names no key that does not exist', () => {
    assert.deepEqual(unknownInReadme(paths, referenceRows(readme)), []);
  });

  it('the check fails for a key whose row is removed, or only mentioned in another section\'s row', () => {
    const rows = referenceRows(readme);
    const withoutResolver = rows.filter((r) => !r.keys.some((k) => k === 'resolver' || k.startsWith('resolver.')));
    assert.ok(withoutResolver.length < rows.length, 'a row documents resolver.replicas');
    assert.ok(undocumented(paths, withoutResolver).includes('resolver.replicas'));
    // A leaf named in an unrelated row does not count: `replicas` appears in the exposure rows.
    const fake = referenceRows('\n## Config reference\n| key | meaning |\n|---|---|\n| `dns.operator` | `replicas` |\n');
    assert.deepEqual(undocumented(['resolver.replicas', 'dns.operator.replicas'], fake), ['resolver.replicas']);
    assert.deepEqual(unknownInReadme(['a.b'], referenceRows('\n## Config reference\n| key | meaning |\n| `a.c` [`x`] | |\n')), ['a.c']);
  });
});
