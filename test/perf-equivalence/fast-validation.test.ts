// The CLI's fast config check (src/validation/fast-schema.ts) against zod itself:
// - the config test corpus (test/chart/bad-config and test/config) runs again with our sources on
//   the fast path, in compare mode: every config the fast path accepts is parsed by zod too and
//   must give the same value, key order included; every refusal comes from zod, so the tests'
//   expected error lines must still hold;
// - through the built binary, the same config gives the same files byte for byte, or the same
//   error lines and exit code, with and without MAILU_K8S_VALIDATION=full.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { regexes } from 'zod/v4/core';
import { EMAIL } from '../../src/validation/fast-schema.js';
import { BIN, BASE, cfg, ensureBuilt, REPO_ROOT } from '../support/chart-helpers.js';
import { matrix } from '../networking/fixtures.js';
import { scaledConfig } from '../../bench/scale.mjs';

const CORPUS_DIRS = [join('test', 'config')];
const CORPUS_FILES = [join('test', 'chart', 'bad-config.test.ts')];

function corpusFiles(): string[] {
  const inDirs = CORPUS_DIRS.flatMap((d) => readdirSync(join(REPO_ROOT, d)).filter((f) => f.endsWith('.test.ts')).map((f) => join(d, f)));
  return [...CORPUS_FILES, ...inDirs].sort();
}

describe('fast config check = zod', () => {
  it('the config test corpus passes on the fast path, and zod agrees with every value it accepts', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'mailu-fast-'));
    const counts = join(scratch, 'counts');
    try {
      const hooks = new URL('./zod-lite-hooks.mjs', import.meta.url).href;
      // A test runner of its own: without NODE_TEST_CONTEXT it reports in plain TAP.
      const env: NodeJS.ProcessEnv = { ...process.env, MAILU_K8S_VALIDATION: 'compare', ZOD_LITE_COUNTS: counts };
      delete env.NODE_TEST_CONTEXT;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', hooks, '--test', '--test-concurrency=2', ...corpusFiles()], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env,
        timeout: 300_000,
      });
      const failures = r.stdout.split('\n').filter((l) => /^\s*not ok|differs from zod/.test(l));
      assert.equal(r.status, 0, `corpus on the fast path failed:\n${failures.join('\n')}\n${r.stderr.slice(-2000)}`);
      const total = readFileSync(counts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { fast: number; zod: number })
        .reduce((a, c) => ({ fast: a.fast + c.fast, zod: a.zod + c.zod }), { fast: 0, zod: 0 });
      // Both paths really ran: valid configs on the fast path (compared with zod), refusals on zod.
      assert.ok(total.fast >= 50, `fast path answered only ${total.fast} parses`);
      assert.ok(total.zod >= 50, `zod answered only ${total.zod} parses`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("the e-mail pattern is zod's own", () => {
    assert.equal(EMAIL.source, regexes.email.source);
    assert.equal(EMAIL.flags, regexes.email.flags);
  });
});

/** Configs for the binary: valid ones across the matrix and the examples, and refusals of every kind. */
function binaryCases(): Record<string, string> {
  const cases: Record<string, string> = {
    'examples/full.yaml': readFileSync(join(REPO_ROOT, 'examples', 'full.yaml'), 'utf8'),
    'full.yaml x10': scaledConfig(10),
    'partial blocks, YAML numbers as text': 'domain: example.com\nhostnames: [mail.example.com]\ncluster: { podCidr: 10.42.0.0/16 }\n' +
      'tls: { source: certManager, issuer: { name: le } }\nexposure: { ports: [25, 993] }\negress: { addresses: [203.0.113.10] }\nmailu: { messageSizeLimit: 50MB }\n',
  };
  for (const m of matrix().filter((_, i) => i % 3 === 0)) cases[m.name] = stringify(m.config);
  const bad: Record<string, unknown> = {
    'unknown key': { ...BASE, hostname: ['mail.example.com'] },
    'enum typo': cfg({ exposure: { mode: 'hostport' } as never }),
    'CIDR with host bits': cfg({ cluster: { podCidr: '10.42.0.1/16' } }),
    'wrong type': cfg({ dns: { ttl: '600s' } as never }),
    'missing required': { domain: 'example.com', cluster: { podCidr: '10.42.0.0/16' } },
    'invariant: 0.0.0.0/0 trusted': cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['0.0.0.0/0'] } }),
    'bare size': cfg({ storage: { sizes: { imap: 50 } } } as never),
    'union branch key': cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { externalTraficPolicy: 'Local' } } as never }),
  };
  for (const [name, config] of Object.entries(bad)) cases[`refused: ${name}`] = stringify(config);
  return cases;
}

describe('fast config check = zod, through the binary', () => {
  let scratch: string;
  before(() => {
    ensureBuilt();
    scratch = mkdtempSync(join(tmpdir(), 'mailu-fast-bin-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const synth = (config: string, out: string, full: boolean) => {
    const env = { ...process.env, ...(full ? { MAILU_K8S_VALIDATION: 'full' } : {}) };
    const r = spawnSync(process.execPath, [BIN, 'synth', '--config', config, '--out', out], { cwd: scratch, encoding: 'utf8', env, timeout: 30_000 });
    const files = r.status === 0 ? Object.fromEntries(readdirSync(join(scratch, out)).map((f) => [f, readFileSync(join(scratch, out, f), 'utf8')])) : {};
    return { code: r.status, stderr: r.stderr, files };
  };

  for (const [name, text] of Object.entries(binaryCases())) {
    it(`${name}: same files or the same error lines`, () => {
      const file = join(scratch, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
      writeFileSync(file, text);
      const fast = synth(file, 'fast', false);
      const full = synth(file, 'full', true);
      assert.equal(fast.code, full.code);
      assert.equal(fast.stderr.replace('to fast/', 'to full/'), full.stderr);
      assert.deepEqual(fast.files, full.files);
      if (name.startsWith('refused')) assert.equal(fast.code, 2, fast.stderr);
      else assert.equal(fast.code, 0, fast.stderr);
    });
  }
});
