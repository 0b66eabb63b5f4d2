// The README's library example, run as written (only the package import is pointed at the source).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';

const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(readme.indexOf('## Using it as a library'));
const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];

describe('README library example', () => {
  // Inside the repository, so the example resolves cdk8s and tsx from its node_modules as a
  // user's project would resolve them from its own.
  const dir = mkdtempSync(join(resolve('.'), '.readme-example-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exists and imports the package by name', () => {
    assert.ok(code, 'a ts code block under "Using it as a library"');
    assert.match(code!, /from 'mailu-k8s'/);
  });

  it('runs and writes the chart to dist/ in the working directory', () => {
    const src = code!.replace("from 'mailu-k8s'", `from ${JSON.stringify(resolve('src/index.ts'))}`);
    writeFileSync(join(dir, 'app.ts'), src);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'app.ts'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    // The example leaves the sending IPs out, so it prints that warning.
    assert.match(r.stdout, /no sending address is known/);
    const docs = parseAllDocuments(readFileSync(join(dir, 'dist', 'mailu.k8s.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
    const front = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'mailu-front');
    assert.ok(front, 'front Deployment rendered');
    assert.ok(docs.some((d) => d.kind === 'Certificate'), 'certManager TLS gives a Certificate');
    assert.ok(docs.every((d) => d.kind === 'Namespace' || d.metadata.namespace === 'mailu'));
  });
});
