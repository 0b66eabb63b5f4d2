// Fidelity: the doctor against a real, independent DNS server (dnsmasq) serving the example
// deployment, so the resolver adapter is not only tested against our own test server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig } from '../../src/validation/index.js';
import { planDns } from '../../src/dns/plan.js';
import { createNodeResolver } from '../../src/doctor/resolver.js';
import { runDoctorChecks } from '../../src/doctor/run.js';
import { dnsmasqPath, startDnsmasq } from '../support/dns-server.js';
import { zonesFromPlan } from './fixtures.js';
import { check } from './helpers.js';

const plan = planDns(parseConfig(exampleConfig));

describe('doctor against dnsmasq', () => {
  test('the example deployment published as planned passes; a missing DKIM key is found', async (t) => {
    if (!dnsmasqPath()) {
      t.skip('dnsmasq is not installed (Debian: apt-get install dnsmasq-base)');
      return;
    }
    const good = await startDnsmasq(zonesFromPlan(plan));
    try {
      const report = await runDoctorChecks({ plan, resolver: createNodeResolver({ servers: [good.server], timeoutMs: 1000, tries: 1 }) });
      assert.deepEqual(
        report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`),
        [],
      );
      assert.match(check(report, 'dkim').detail, /rsa 2048 bits/);
      assert.match(check(report, 'srv').detail, /_imap\._tcp off/);
    } finally {
      await good.close();
    }
    const broken = await startDnsmasq(zonesFromPlan(plan, { drop: [{ name: 'dkim._domainkey.example.com', type: 'TXT' }] }));
    try {
      const report = await runDoctorChecks({ plan, resolver: createNodeResolver({ servers: [broken.server], timeoutMs: 1000, tries: 1 }) });
      assert.equal(check(report, 'dkim').status, 'fail');
    } finally {
      await broken.close();
    }
  });
});
