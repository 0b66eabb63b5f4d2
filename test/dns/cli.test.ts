// `mailu-k8s dns plan`: output per format on stdout, warnings on stderr, config errors as exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runDnsPlan } from '../../src/cli/dns.js';
import { ConfigError } from '../../src/config/errors.js';
import { exampleConfig } from '../../src/config/example.js';
import { planDns } from '../../src/dns/plan.js';
import { renderTable, renderZone } from '../../src/dns/render.js';
import { cfg, merge, type Overrides } from './helpers.js';

const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-dns-plan.ts');
const dir = mkdtempSync(join(tmpdir(), 'mailu-dns-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

let n = 0;
function configFile(over: Overrides): string {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, stringify(merge(exampleConfig, over)));
  return path;
}

describe('dns plan', () => {
  test('--format zone (default config: the embedded example) prints the zone file, no warnings', () => {
    const r = run('zone');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, renderZone(planDns(cfg())));
    assert.equal(r.stderr, '');
  });

  test('--format json prints the plan; --format table the table', () => {
    const j = run('json');
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout), planDns(cfg()));
    const t = run('table');
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout, renderTable(planDns(cfg())));
  });

  test('--config FILE: the plan of that file; its warnings go to stderr', () => {
    const path = configFile({ domain: 'example.org', hostnames: ['mx.example.org'], dns: { addresses: [], dmarc: { rua: undefined } } });
    const r = run('zone', path);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^example\.org\.\s+600 IN MX\s+10 mx\.example\.org\.$/m);
    assert.match(r.stderr, /^warning: .*A record of mx\.example\.org must be published by hand/m);
    assert.ok(!r.stdout.includes('warning'));
  });

  test('an SPF past the lookup limit is a config error naming dns.spf.include (exit 2)', async () => {
    const path = configFile({ dns: { spf: { include: Array.from({ length: 11 }, (_, i) => `spf${i}.example.net`) } } });
    await assert.rejects(runDnsPlan({ config: path, format: 'zone' }), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'dns.spf.include'));
    const r = run('zone', path);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^dns\.spf\.include: /m);
  });

  test('an unreadable config file is a ConfigError; an unknown format exits 2', async () => {
    await assert.rejects(runDnsPlan({ config: join(dir, 'missing.yaml'), format: 'json' }), ConfigError);
    const r = run('yaml');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of zone, json, table/);
    assert.equal(r.stdout, '');
  });
});
