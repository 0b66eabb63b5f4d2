// Every package the lock file installs must run on every Node 20 the project claims to support:
// a dependency that wants a newer Node makes `npm ci` warn (EBADENGINE) and may break at run time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LockEntry {
  version?: string;
  engines?: Record<string, string> | string[];
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(resolve(repoRoot, file), 'utf8'));
}

/** The Node 20 releases the project accepts: from the floor of its own engines.node to the last 20.x. */
function supportedNode20(projectRange: string): string {
  const floor = semver.minVersion(projectRange);
  assert.ok(floor, `package.json engines.node "${projectRange}" admits no version`);
  assert.equal(floor.major, 20, `package.json engines.node "${projectRange}" must start at Node 20`);
  return `>=${floor.version} <21.0.0-0`;
}

/** "name@version needs node RANGE" for each entry whose engines.node leaves out part of `supported`. */
function enginesExcluding(packages: Record<string, LockEntry>, supported: string): string[] {
  const out: string[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    // Old packages wrote engines as an array of strings; npm ignores that form.
    if (path === '' || !entry.engines || Array.isArray(entry.engines)) continue;
    const range = entry.engines.node;
    if (range === undefined) continue;
    const valid = semver.validRange(range) !== null;
    if (!valid || !semver.subset(supported, range)) {
      out.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} needs node "${range}"`);
    }
  }
  return out;
}

describe('locked packages run on Node 20', () => {
  const pkg = readJson('package.json') as { engines: { node: string } };
  const lock = readJson('package-lock.json') as { packages: Record<string, LockEntry> };
  const supported = supportedNode20(pkg.engines.node);

  it('package-lock.json records the same engines.node as package.json', () => {
    assert.deepEqual(lock.packages['']?.engines, pkg.engines);
  });

  it('no locked package excludes a Node 20 release the project supports', () => {
    assert.deepEqual(enginesExcluding(lock.packages, supported), []);
  });

  it('the check catches a package that wants Node 22, and one that wants a later Node 20', () => {
    const sample: Record<string, LockEntry> = {
      'node_modules/ok': { version: '1.0.0', engines: { node: '^16 || ^18 || >=20' } },
      'node_modules/a/node_modules/new': { version: '6.0.0', engines: { node: '>=22' } },
      'node_modules/later': { version: '2.0.0', engines: { node: '>=20.99.0' } },
      'node_modules/bare-only': { version: '1.0.0', engines: { bare: '>=1.20.0' } },
    };
    assert.deepEqual(enginesExcluding(sample, supportedNode20('>=20')), [
      'new@6.0.0 needs node ">=22"',
      'later@2.0.0 needs node ">=20.99.0"',
    ]);
  });
});
