// The CLI end to end through the built binary (bin/mailu-k8s.js): output equals the in-process
// synthesis byte for byte, is deterministic, --split feeds kustomize, bad configs exit 2 with the
// reason and write nothing, internal errors exit 1. The library entry point is checked as built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { synthesize } from '../../src/chart/synth.js';
import { exampleConfig } from '../../src/config/example.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { BASE, cfg, cli, ensureBuilt } from '../support/chart-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

let n = 0;
function configFile(config: unknown, text?: string): string {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, text ?? stringify(config));
  return path;
}
function outDir(): string {
  return join(dir, `out-${n++}`);
}
const MARKER = '.mailu-k8s-output';
/** The files of an output directory (bytes by name); the ownership marker must list exactly them. */
function snapshot(d: string): Record<string, string> {
  const files = readdirSync(d).filter((f) => f !== MARKER).sort();
  assert.deepEqual(readFileSync(join(d, MARKER), 'utf8').split('\n').filter(Boolean), files, 'the marker lists every file written');
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(d, f), 'latin1')]));
}

const TRAEFIK: MailuConfigInput = cfg({
  exposure: { mode: 'traefik', ports: [25, 465, 993, 4190], traefik: { trustedProxyCidrs: ['10.42.3.0/24'] } },
  web: { kind: 'traefik' },
  egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, publicIPs: ['203.0.113.25'] },
  database: { type: 'cnpg' },
});

describe('mailu-k8s synth (built binary)', () => {
  it('with no --config renders the embedded example, exactly as the library does', () => {
    const out = outDir();
    const r = cli(['synth', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const expected = synthesize(exampleConfig);
    assert.deepEqual(snapshot(out), expected.files);
    assert.match(r.stderr, new RegExp(`wrote ${expected.objects.length} objects`));
  });

  it('renders a config file, writing traefik-values.yaml next to the manifests', () => {
    const out = outDir();
    const r = cli(['synth', '-c', configFile(TRAEFIK), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const files = snapshot(out);
    assert.deepEqual(Object.keys(files).sort(), ['mailu.k8s.yaml', 'traefik-values.yaml']);
    assert.deepEqual(files, synthesize(TRAEFIK).files);
  });

  it('is deterministic: two runs write identical bytes', () => {
    const [a, b] = [outDir(), outDir()];
    const file = configFile(TRAEFIK);
    for (const out of [a, b]) assert.equal(cli(['synth', '-c', file, '-o', out, '--split']).code, 0);
    assert.deepEqual(snapshot(a), snapshot(b));
    assert.ok(Object.keys(snapshot(a)).length > 30);
  });

  it('--split writes one file per object and a kustomization that kubectl can build', (t) => {
    const out = outDir();
    const r = cli(['synth', '-c', configFile(TRAEFIK), '-o', out, '--split']);
    assert.equal(r.code, 0, r.stderr);
    const expected = synthesize(TRAEFIK, { split: true });
    assert.deepEqual(snapshot(out), expected.files);
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 10_000 });
    if (kubectl.status !== 0) {
      t.skip('kubectl not found: `kubectl kustomize` not run');
      return;
    }
    const k = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(k.status, 0, k.stderr);
    const docs = parseAllDocuments(k.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    const ids = (list: { kind: string; metadata: { name: string } }[]) => list.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(ids(docs), ids(expected.objects as { kind: string; metadata: { name: string } }[]));
  });

  it('replaces a previous output completely (no stale files from an earlier --split)', () => {
    const out = outDir();
    assert.equal(cli(['synth', '-o', out, '--split']).code, 0);
    assert.ok(readdirSync(out).length > 10);
    assert.equal(cli(['synth', '-o', out]).code, 0);
    assert.deepEqual(Object.keys(snapshot(out)), ['mailu.k8s.yaml']);
  });

  it('prints warnings on stderr and still succeeds', () => {
    const out = outDir();
    const r = cli(['synth', '-c', configFile(cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.0.0.0/8'] } })), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: web\.realIpFrom\[0\]: 10\.0\.0\.0\/8 .*wide/m);
    assert.ok(existsSync(join(out, 'mailu.k8s.yaml')));
  });

  it('never deletes files it did not write: a directory holding other files is refused (exit 2)', () => {
    const project = join(dir, `project-${n++}`);
    mkdirSync(project);
    writeFileSync(join(project, 'notes.txt'), 'precious');
    const r = cli(['synth', '-o', '.'], { cwd: project });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: --out: .* holds files mailu-k8s did not write \(notes\.txt\)/m);
    assert.equal(readFileSync(join(project, 'notes.txt'), 'utf8'), 'precious');
    assert.ok(!existsSync(join(project, 'mailu.k8s.yaml')));
  });

  it('replaces its own earlier output, including a switch to --split and back', () => {
    const out = outDir();
    for (const args of [[], ['--split'], []]) {
      const r = cli(['synth', '-o', out, ...args]);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.ok(existsSync(join(out, 'mailu.k8s.yaml')));
    assert.ok(!existsSync(join(out, 'kustomization.yaml')), 'files of the --split run are gone');
  });
});

describe('bad input through the binary: exit 2, the reason, nothing written', () => {
  const cases: { name: string; file: () => string; stderr: RegExp }[] = [
    { name: '0.0.0.0/0 trusted', file: () => configFile(cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['0.0.0.0/0'] } })), stderr: /^error: web\.realIpFrom\[0\]: 0\.0\.0\.0\/0 trusts every address/m },
    {
      name: 'externalTrafficPolicy Cluster',
      file: () => configFile(cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { externalTrafficPolicy: 'Cluster' } } })),
      stderr: /^error: exposure\.loadBalancer\.externalTrafficPolicy: .*open relay/m,
    },
    {
      name: 'egressIP and interface',
      file: () => configFile(cfg({ egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, egressIP: '192.0.2.25', interface: 'eth1' } })),
      stderr: /^error: egress\.interface: set egressIP or interface, not both/m,
    },
    { name: 'misspelt key', file: () => configFile({ ...BASE, exposure: { mode: 'hostPort', hostPort: { deamonSet: true } } }), stderr: /^error: exposure\.hostPort\.deamonSet: unknown key \(did you mean "daemonSet"\?\); valid keys: daemonSet, nodeSelector$/m },
    { name: 'mailu.env overriding SUBNET', file: () => configFile(cfg({ mailu: { env: { SUBNET: '0.0.0.0/0' } } })), stderr: /^error: mailu\.env\.SUBNET: is set by mailu-k8s; configure cluster\.podCidr instead/m },
    { name: 'tls none with 465', file: () => configFile(cfg({ tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25, 465] } })), stderr: /^error: exposure\.ports\[1\]: 465 is a TLS-only port/m },
    { name: 'port 70000', file: () => configFile(cfg({ exposure: { mode: 'hostPort', ports: [70000] } })), stderr: /^error: exposure\.ports\[0\]: not a Mailu mail port/m },
    { name: 'YAML syntax error', file: () => configFile(undefined, 'domain: [example.com\n'), stderr: /^error: .*YAML/m },
    { name: 'missing config file', file: () => join(dir, 'does-not-exist.yaml'), stderr: /^error: cannot read config file .*does-not-exist\.yaml/m },
  ];

  for (const c of cases) {
    it(c.name, () => {
      // A previous good run must survive byte for byte.
      const out = outDir();
      const config = c.file();
      assert.equal(cli(['synth', '-o', out]).code, 0);
      const before = snapshot(out);
      const siblings = readdirSync(dir).sort();

      const r = cli(['synth', '-c', config, '-o', out]);
      assert.equal(r.code, 2, `exit 2\n${r.stderr}`);
      assert.match(r.stderr, c.stderr);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace for invalid input');
      assert.equal(r.stdout, '');
      assert.deepEqual(snapshot(out), before, '--out keeps its previous content');
      assert.deepEqual(readdirSync(dir).sort(), siblings, 'no temporary directories left behind');
    });
  }

  it('validate: exit 0 and "valid" for a good file, exit 2 with the reason for a bad one', () => {
    const good = cli(['validate', '-c', configFile(BASE)]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stderr, /valid/);
    const bad = cli(['validate', '-c', configFile(cfg({ dns: { addresses: ['203.0.113.10'], operator: { enabled: true } } }))]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: dns\.addresses: .*choose one/m);
  });

  it('an internal error (--out under a regular file) exits 1 and leaves the file alone', () => {
    const file = join(dir, `plain-file-${n++}`);
    writeFileSync(file, 'not a directory\n');
    const r = cli(['synth', '-o', join(file, 'out')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^internal error: /m);
    assert.equal(readFileSync(file, 'utf8'), 'not a directory\n');
  });
});

describe('package entry point (lib/index.js, as built)', () => {
  it('exports MailuChart, the component constructs and synthesize(), matching the sources', async () => {
    const name: string = 'mailu-k8s';
    const lib = (await import(name)) as Record<string, unknown>;
    for (const e of ['MailuChart', 'Admin', 'Front', 'Smtp', 'Imap', 'Antispam', 'Resolver', 'synthesize', 'parseConfig', 'ConfigError', 'buildDiagram', 'renderDiagram']) {
      assert.equal(typeof lib[e], 'function', `${e} exported`);
    }
    const built = (lib.synthesize as typeof synthesize)(exampleConfig);
    assert.deepEqual(built.files, synthesize(exampleConfig).files);
  });
});
