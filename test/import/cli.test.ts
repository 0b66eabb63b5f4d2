// mailu-k8s import-helm through the built binary: the config on stdout (or --out) is one that
// `validate` and `synth` accept; the report goes to stderr; bad input and refused values exit 2
// naming the field, with nothing on stdout and no file written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, ensureBuilt } from '../support/chart-helpers.js';
import { CI_VALUES_FILE, DEFAULT_VALUES_FILE } from './chart-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

let n = 0;
function file(text: string): string {
  const p = join(dir, `values-${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('mailu-k8s import-helm (built binary)', () => {
  it('the CI values: the config on stdout validates and synthesizes; the report and the steps on stderr', () => {
    const r = cli(['import-helm', CI_VALUES_FILE, '--release', 'mail', '--namespace', 'mail']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^import-helm: .*helm-lint-values\.yaml$/m);
    assert.match(r.stderr, /^ {2}mapped\s+persistence\.single_pvc → storage\.mode/m);
    assert.match(r.stderr, /kubectl -n mail annotate pvc mail-mailu-dovecot helm\.sh\/resource-policy=keep/);
    assert.ok(!r.stdout.includes('chang3m3'), 'no secret value in the config');
    const config = file(r.stdout);
    const v = cli(['validate', '-c', config]);
    assert.equal(v.code, 0, v.stderr);
    const out = join(dir, 'dist');
    const s = cli(['synth', '-c', config, '-o', out]);
    assert.equal(s.code, 0, s.stderr);
    const manifests = readFileSync(join(out, 'mailu.k8s.yaml'), 'utf8');
    assert.match(manifests, /claimName: mail-mailu-dovecot/);
    assert.ok(!/kind: PersistentVolumeClaim\n(?:.*\n){0,3}\s+name: mail-mailu-/.test(manifests), 'the chart\'s claims are not created');
  });

  it('--out writes the file and nothing to stdout', () => {
    const out = join(dir, 'imported.yaml');
    const r = cli(['import-helm', DEFAULT_VALUES_FILE, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(readFileSync(out, 'utf8'), /^# mailu-k8s config imported from the Mailu Helm chart's values: values\.yaml/);
  });

  const bad: [string, string, RegExp][] = [
    ['unreadable YAML', 'domain: [example.org\n', /^error: .*values-\d+\.yaml: not valid YAML/m],
    ['a list where the chart takes text', 'domain: [example.org]\n', /^error: domain: expected text, got a list$/m],
    ['text where the chart takes a list', 'hostnames: mail.example.org\n', /^error: hostnames: expected a list, got "mail\.example\.org"$/m],
    ['not a map at all', '- domain\n', /^error: the values file must be a map/m],
    ['an external database without its type', 'externalDatabase: { enabled: true, host: db }\n', /^error: externalDatabase\.type: must be postgresql or mysql/m],
    ['a value our schema refuses, named by its chart path', 'domain: example.org\nhostnames: [mail.example.org]\ntimezone: Mars/Olympus\n', /^error: timezone: .*\(as timezone\)$/m],
  ];
  for (const [name, text, message] of bad) {
    it(`exits 2 for ${name}, naming the field, writing nothing`, () => {
      const out = join(dir, `never-${n}.yaml`);
      const r = cli(['import-helm', file(text), '--out', out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(out));
    });
  }

  it('exits 2 for a missing file', () => {
    const r = cli(['import-helm', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*nope\.yaml: cannot read the values file: ENOENT$/m);
  });

  it('refused values: exit 2 with the reason and the alternative, the report on stderr, an existing --out untouched', () => {
    const out = join(dir, 'kept.yaml');
    writeFileSync(out, 'mine\n');
    const r = cli(['import-helm', file('domain: example.org\nhostnames: [mail.example.org]\ningress: { realIpFrom: 0.0.0.0/0 }\n'), '-o', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ {2}REFUSED\s+ingress\.realIpFrom: 0\.0\.0\.0\/0 trusts every address/m);
    assert.match(r.stderr, /^error: ingress\.realIpFrom: .*; instead: list only your ingress controller's/m);
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), 'mine\n');
  });
});
