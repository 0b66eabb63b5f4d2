// `mailu-k8s doctor` over several mail domains, against the loopback DNS server: every domain is
// checked by default (one report each; the server's own checks once, with the primary), or just
// the one named by --domain.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { runDoctor, type DoctorOptions } from '../../src/cli/doctor.js';
import { exampleConfig } from '../../src/config/example.js';
import { planDns, planForDomain } from '../../src/dns/plan.js';
import type { DomainsReport } from '../../src/doctor/domains.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { parseConfig } from '../../src/validation/index.js';
import { merge } from '../dns/helpers.js';
import { startDnsServer, type TestRecord, type TestZone } from '../support/dns-server.js';
import { zonesFromPlan } from './fixtures.js';

const THREE = merge(exampleConfig, {
  dns: { mtaSts: { enabled: true } },
  domains: ['example.net', { name: 'example.org', dmarc: { policy: 'quarantine', rua: 'reports@example.org' }, mtaSts: { enabled: false } }],
});
const DOMAINS = ['example.com', 'example.net', 'example.org'];
const plan = planDns(parseConfig(THREE));

const dir = mkdtempSync(join(tmpdir(), 'doctor-domains-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'mailu.yaml');
writeFileSync(file, stringify(THREE));

/** Every domain's zones as planned (DKIM with a fresh key), minus `drop`. */
function zones(drop: Array<{ name: string; type: TestRecord['type'] }> = []): TestZone[] {
  return DOMAINS.flatMap((d) => zonesFromPlan(planForDomain(plan, d)!, { drop }));
}

async function doctor(z: TestZone[], opts: Omit<DoctorOptions, 'resolver'> = {}) {
  const server = await startDnsServer({ zones: z });
  let stdout = '';
  let stderr = '';
  try {
    const code = await runDoctor({ config: file, resolver: server.server, timeout: 500, ...opts }, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
    return { code, stdout, stderr };
  } finally {
    await server.close();
  }
}

/** The table section of one domain: from its heading to the next. */
function section(stdout: string, domain: string): string {
  const parts = stdout.split(/^(?=mailu-k8s doctor: )/m);
  const found = parts.find((p) => p.startsWith(`mailu-k8s doctor: ${domain} `));
  assert.ok(found, `a section for ${domain}`);
  return found;
}

describe('doctor: several mail domains', () => {
  test('every domain published as planned: one report each, all passing (exit 0)', async () => {
    const r = await doctor(zones());
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual([...r.stdout.matchAll(/^mailu-k8s doctor: (\S+) /gm)].map((m) => m[1]), DOMAINS);
    assert.doesNotMatch(r.stdout, /^(WARN|FAIL)/m);
    assert.match(r.stdout, /^all 3 domains: \d+ passed, 0 warnings, 0 failures$/m);
    // The server's own checks (address, reverse DNS) once, with the primary domain.
    assert.match(section(r.stdout, 'example.com'), /^PASS {4}PTR/m);
    for (const d of ['example.net', 'example.org']) {
      const s = section(r.stdout, d);
      assert.doesNotMatch(s, /^PASS {4}(PTR|Address|A of )/m, d);
      assert.match(s, new RegExp(`^PASS {4}MX of ${d.replace('.', '\\.')}`, 'm'));
      assert.match(s, /^PASS {4}SPF for 203\.0\.113\.10 +pass/m);
    }
  });

  test('a record missing in one domain fails in that domain\'s report only (exit 1)', async () => {
    const r = await doctor(zones([{ name: '_dmarc.example.org', type: 'TXT' }]));
    assert.equal(r.code, 1, r.stdout);
    assert.match(section(r.stdout, 'example.org'), /^FAIL {4}DMARC/m);
    assert.match(section(r.stdout, 'example.org'), /publish: _dmarc\.example\.org\. 600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:reports@example\.org; adkim=s; aspf=s"/);
    for (const d of ['example.com', 'example.net']) assert.doesNotMatch(section(r.stdout, d), /^FAIL/m, d);
  });

  test('--domain NAME checks that domain alone', async () => {
    const broken = zones([{ name: '_dmarc.example.org', type: 'TXT' }]);
    const net = await doctor(broken, { domain: 'example.net', json: true });
    assert.equal(net.code, 0, net.stdout);
    const report = JSON.parse(net.stdout) as DoctorReport;
    assert.equal(report.domain, 'example.net');
    assert.ok(report.checks.some((c) => c.id === 'mta-sts' && c.status === 'pass'));
    assert.ok(!report.checks.some((c) => c.area === 'PTR' || c.area === 'Address'));
    const org = await doctor(broken, { domain: 'Example.Org' });
    assert.equal(org.code, 1);
    assert.deepEqual([...org.stdout.matchAll(/^mailu-k8s doctor: (\S+) /gm)].map((m) => m[1]), ['example.org']);
  });

  test('--json without --domain: one report per domain and the totals', async () => {
    const r = await doctor(zones([{ name: 'example.net', type: 'MX' }]), { json: true });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as DomainsReport;
    assert.deepEqual(report.domains.map((d) => d.domain), DOMAINS);
    assert.deepEqual(report.domains.map((d) => d.summary.fail > 0), [false, true, false]);
    assert.equal(report.summary.fail, report.domains.reduce((n, d) => n + d.summary.fail, 0));
  });

  test('--domain with a name that is not a mail domain of the config: exit 2', async () => {
    const r = await doctor(zones(), { domain: 'example.info' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: --domain example\.info is not a mail domain of this config \(example\.com, example\.net, example\.org\)$/m);
    assert.equal(r.stdout, '');
  });
});
