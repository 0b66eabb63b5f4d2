// `mailu-k8s diff` through the built binary: against a directory synth wrote (single file and
// --split), it reports added, removed and changed objects with a unified diff of each change, and
// the unchanged count; exit 0 without changes, 1 with, 2 for bad input (nothing written either way).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { lineEdits, unifiedDiff } from '../../src/cli/line-diff.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { synthesize } from '../../src/chart/synth.js';
import { cfg, cli, ensureBuilt } from '../support/chart-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-diff-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

let n = 0;
function configFile(config: MailuConfigInput): string {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}
function synthTo(config: MailuConfigInput, split = false): string {
  const out = join(dir, `out-${n++}`);
  const r = cli(['synth', '-c', configFile(config), '-o', out, ...(split ? ['--split'] : [])]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}
const snapshot = (d: string) => Object.fromEntries(readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f), 'utf8')]));

/** The "<kind> <label>" header lines of a diff's output. */
const headers = (stdout: string) => stdout.split('\n').filter((l) => /^(added|removed|changed) /.test(l));

const OLD = cfg({ mailu: { version: '2024.06.36' } });
const NEW = cfg({ mailu: { version: '2024.06.57' }, backup: {} } as Partial<MailuConfigInput>);

describe('mailu-k8s diff (built binary)', () => {
  it('no change: exit 0, every object unchanged, the directory untouched', () => {
    const out = synthTo(OLD);
    const before = snapshot(out);
    const r = cli(['diff', '-c', configFile(OLD), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const total = synthesize(OLD).objects.length;
    assert.equal(r.stdout, `0 added, 0 removed, 0 changed, ${total} unchanged\n`);
    assert.deepEqual(snapshot(out), before);
  });

  it('an upgrade: changed images shown as a unified diff per object, the added Schedule in full; exit 1', () => {
    const out = synthTo(OLD);
    const before = snapshot(out);
    const r = cli(['diff', '-c', configFile(NEW), '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    const h = headers(r.stdout);
    assert.ok(h.includes('added Schedule velero/mailu-mailu (velero.io/v1)'), h.join('\n'));
    assert.ok(h.includes('changed Deployment mailu/mailu-admin (apps/v1)'), h.join('\n'));
    assert.match(r.stdout, /^-          image: "ghcr\.io\/mailu\/admin:2024\.06\.36"\n\+          image: "ghcr\.io\/mailu\/admin:2024\.06\.57"$/m);
    assert.match(r.stdout, /^\+        backup\.velero\.io\/backup-volumes: data$/m, 'the new pod annotation');
    assert.match(r.stdout, /^\+  schedule: "0 3 \* \* \*"$/m, 'the added object, line by line');
    // Objects whose image did not change (the bundled Redis) are counted, not shown.
    assert.ok(!h.some((l) => l.includes('ConfigMap mailu/mailu-env')), 'the env ConfigMap is unchanged');
    const summary = r.stdout.trim().split('\n').pop()!;
    const [added, removed, changed, unchanged] = summary.match(/\d+/g)!.map(Number);
    assert.equal(added, 1);
    assert.equal(removed, 0);
    assert.equal(changed, h.filter((l) => l.startsWith('changed')).length);
    assert.equal(added! + changed! + unchanged!, synthesize(NEW).objects.length);
    assert.deepEqual(snapshot(out), before, 'diff writes nothing');
  });

  it('a removed object, and --split directories, object by object', () => {
    const out = synthTo(NEW, true);
    const r = cli(['diff', '-c', configFile(OLD), '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    const h = headers(r.stdout);
    assert.ok(h.includes('removed Schedule velero/mailu-mailu (velero.io/v1)'), h.join('\n'));
    assert.match(r.stdout, new RegExp(`^--- ${out.replaceAll('/', '\\/')}\\/schedule-mailu-mailu\\.yaml$`, 'm'), 'the header names the file in DIR');
    assert.match(r.stdout, /^\+\+\+ \/dev\/null$/m);
    assert.match(r.stdout, /^0 added, 1 removed, \d+ changed, \d+ unchanged$/m);
  });

  it('a file that is no object (traefik-values.yaml) is compared as text', () => {
    const traefik = (ports: number[]) =>
      cfg({ exposure: { mode: 'traefik', ports, traefik: { trustedProxyCidrs: ['10.42.0.0/16'] } }, web: { kind: 'traefik' } });
    const out = synthTo(traefik([25, 465, 993]));
    const r = cli(['diff', '-c', configFile(traefik([25, 465, 587, 993])), '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(headers(r.stdout).includes('changed file traefik-values.yaml'), r.stdout);
    assert.ok(headers(r.stdout).some((l) => l.startsWith('added IngressRouteTCP')), 'the new port gets a route');
  });

  it('bad input exits 2 and names the problem: no directory, not an output directory, an invalid config, broken YAML', () => {
    const missing = cli(['diff', '-o', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: --out: .*nope does not exist: nothing to compare with \(run mailu-k8s synth --out/m);
    const foreign = join(dir, `foreign-${n++}`);
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'app.yaml'), 'kind: ConfigMap\n');
    const notOurs = cli(['diff', '-o', foreign]);
    assert.equal(notOurs.code, 2);
    assert.match(notOurs.stderr, /is not a mailu-k8s output directory \(it has no \.mailu-k8s-output file/);
    const out = synthTo(OLD);
    const badConfig = join(dir, 'bad.yaml');
    writeFileSync(badConfig, stringify({ ...OLD, mailu: { version: '2.0' } }));
    const invalid = cli(['diff', '-c', badConfig, '-o', out]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^error: mailu\.version: /m);
    writeFileSync(join(out, 'mailu.k8s.yaml'), 'kind: [unclosed\n');
    const broken = cli(['diff', '-c', configFile(OLD), '-o', out]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /mailu\.k8s\.yaml is not valid YAML/);
  });

  it('without --config compares with the embedded example, as synth does', () => {
    const out = join(dir, `example-${n++}`);
    assert.equal(cli(['synth', '-o', out]).code, 0);
    assert.equal(cli(['diff', '-o', out]).code, 0);
  });
});

describe('line diff', () => {
  it('keeps the longest common part and puts removals before additions', () => {
    const edits = lineEdits(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e']);
    assert.deepEqual(edits.map((e) => `${e.op}${e.line}`), [' a', '-b', '+x', ' c', ' d', '+e']);
  });

  it('hunks carry diff -u line numbers and three lines of context, and merge when close', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n') + '\n';
    const b = a.replace('l2\n', 'L2\n').replace('l18\n', 'L18\n');
    const d = unifiedDiff(a, b, { from: 'a', to: 'b' });
    assert.deepEqual(
      d.split('\n').filter((l) => l.startsWith('@@')),
      ['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@'],
    );
    assert.equal(unifiedDiff(a, a, { from: 'a', to: 'b' }), '', 'equal texts: no output');
    assert.match(unifiedDiff('', 'x\ny\n', { from: '/dev/null', to: 'b' }), /@@ -0,0 \+1,2 @@\n\+x\n\+y\n$/);
  });
});
