// `mailu-k8s doctor` as the CLI runs it: config → plan → live checks → table/JSON and exit code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runDoctor, type DoctorOptions } from '../../src/cli/doctor.js';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig } from '../../src/validation/index.js';
import { planDns } from '../../src/dns/plan.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { startDnsServer, type TestZone } from '../support/dns-server.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { zonesFromPlan } from './fixtures.js';

const plan = planDns(parseConfig(exampleConfig));
const dir = mkdtempSync(join(tmpdir(), 'doctor-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function doctor(zones: TestZone[], opts: Omit<DoctorOptions, 'resolver'> = {}): Promise<Run> {
  const server = await startDnsServer({ zones });
  try {
    return await capture({ resolver: server.server, timeout: 500, ...opts });
  } finally {
    await server.close();
  }
}

async function capture(opts: DoctorOptions): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runDoctor(opts, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

describe('doctor CLI', () => {
  test('the embedded example published as planned passes: exit 0', async () => {
    const r = await doctor(zonesFromPlan(plan));
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stderr, /note: no --config given, checking the embedded example config \(example\.com\)/);
    assert.doesNotMatch(r.stdout, /^(WARN|FAIL)/m);
    assert.match(r.stdout, /^PASS {4}SPF for 203\.0\.113\.10 +pass/m);
    assert.match(r.stdout, /egress 203\.0\.113\.10 \(from config\)/);
    assert.match(r.stdout, /_autodiscover\._tcp 443/);
  });

  test('--json prints the report for machines', async () => {
    const r = await doctor(zonesFromPlan(plan), { json: true });
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.domain, 'example.com');
    assert.equal(report.summary.fail, 0);
    assert.ok(report.checks.some((c) => c.id === 'spf.eval:203.0.113.10' && c.status === 'pass'));
  });

  test('a failing check exits 1 and shows the fix; --config file is read', async () => {
    const file = join(dir, 'mailu.yaml');
    writeFileSync(file, ['domain: example.com', 'hostnames: [mail.example.com]', 'cluster: { podCidr: 10.42.0.0/16, serviceCidr: 10.43.0.0/16 }', 'tls: { source: certManager, issuer: { name: le, kind: ClusterIssuer } }', 'egress: { mode: nodeIps, addresses: [203.0.113.10] }', 'dns: { addresses: [203.0.113.10] }', ''].join('\n'));
    const r = await doctor(zonesFromPlan(plan, { drop: [{ name: 'example.com', type: 'MX' }] }), { config: file });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /note: no --config/);
    assert.match(r.stdout, /^FAIL {4}MX of example\.com +example\.com has no MX record/m);
    assert.match(r.stdout, /fix: publish: example\.com\. 600 IN MX 10 mail\.example\.com\.$/m);
  });

  test('warnings exit 0, or 1 with --strict', async () => {
    const zones = zonesFromPlan(plan, { drop: [{ name: '_dmarc.example.com', type: 'TXT' }], add: [{ name: '_dmarc.example.com', type: 'TXT', value: 'v=DMARC1; p=none' }] });
    assert.equal((await doctor(zones)).code, 0);
    const strict = await doctor(zones, { strict: true });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /^WARN {4}DMARC policy/m);
  });

  test('--egress-ip, --expect-ip and --smtp', async () => {
    const smtp = await startSmtpServer({ banner: '220 mail.example.com ESMTP', starttls: true });
    try {
      const r = await doctor(zonesFromPlan(plan), { egressIp: ['198.51.100.7'], expectIp: ['192.0.2.1'], smtp: smtp.target, json: true });
      const report = JSON.parse(r.stdout) as DoctorReport;
      const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
      assert.deepEqual(report.egressIps, ['198.51.100.7']);
      assert.equal(status('spf.eval:198.51.100.7'), 'fail');
      assert.equal(status('ptr:198.51.100.7'), 'fail');
      assert.equal(status('address'), 'fail');
      assert.equal(status('smtp.banner'), 'pass');
      assert.equal(status('smtp.starttls'), 'pass');
      assert.equal(r.code, 1);
    } finally {
      await smtp.close();
    }
  });

  test('bad input exits 2 with a message naming the input', async () => {
    const cases: Array<[DoctorOptions, RegExp]> = [
      [{ resolver: 'dns.google' }, /^error: --resolver "dns\.google": expected an IP address/],
      [{ resolver: '127.0.0.1:53', egressIp: 'not-an-ip' }, /^error: --egress-ip "not-an-ip" is not an IP address/],
      [{ resolver: '127.0.0.1:53', expectIp: '300.1.1.1' }, /^error: --expect-ip "300\.1\.1\.1" is not an IP address/],
      [{ resolver: '127.0.0.1:53', smtp: 'host:0' }, /^error: --smtp "host:0"/],
      [{ resolver: '127.0.0.1:53', timeout: 'soon' }, /^error: --timeout "soon"/],
      [{ resolver: '127.0.0.1:53', config: join(dir, 'missing.yaml') }, /^error: cannot read config file .*missing\.yaml: ENOENT/],
    ];
    for (const [opts, re] of cases) {
      const r = await capture(opts);
      assert.equal(r.code, 2, `${JSON.stringify(opts)}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'domain: example.com\nhostnames: []\n');
    const r = await capture({ config: bad, resolver: '127.0.0.1:53' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: hostnames/m);
  });

  test('an unreachable resolver is one clear error line (and JSON), exit 1', async () => {
    const server = await startDnsServer({ zones: zonesFromPlan(plan) });
    await server.close();
    const r = await capture({ resolver: server.server, timeout: 300 });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1);
    assert.match(r.stderr, new RegExp(`error: DNS resolver ${server.server.replace(/\./g, '\\.')} refused the connection`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const j = await capture({ resolver: server.server, timeout: 300, json: true });
    assert.match((JSON.parse(j.stdout) as { error: string }).error, /refused the connection/);
  });
});
