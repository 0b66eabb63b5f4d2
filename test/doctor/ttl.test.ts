// The doctor's advice and the plan agree on TTLs: every record line the doctor tells you to
// publish carries the TTL the plan would publish it with (dns.ttl, or the operator's shorter TTL
// for records that move).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/validation/index.js';
import { planDns } from '../../src/dns/plan.js';
import { cfg } from '../support/chart-helpers.js';
import { zonesFromPlan } from './fixtures.js';
import { runOn } from './helpers.js';

const LINE = /([a-z0-9._-]+\.|[0-9a-f.]+\.in-addr\.arpa\.) (\d+) IN ([A-Z]+) /g;

describe('doctor TTL advice', () => {
  test('every fix line uses the planned TTL, for a non-default dns.ttl', async () => {
    const config = parseConfig(cfg({ dns: { ttl: 3600, addresses: ['203.0.113.10'], mtaSts: { enabled: true }, dmarc: { rua: 'reports@dmarc.example.net' } } }));
    const plan = planDns(config);
    // Publish nothing of the domain, so every check gives its fix.
    const drop = plan.records.map((r) => ({ name: r.name, type: r.type as 'A' }));
    const { report } = await runOn(zonesFromPlan(plan, { drop }), { plan, egressIps: ['203.0.113.10'], expectIps: ['203.0.113.10'] });
    const lines = report.checks.flatMap((c) => c.fix ?? []).join('\n');
    let seen = 0;
    for (const m of lines.matchAll(LINE)) {
      const [, name, ttl, type] = m;
      const planned = plan.records.find((r) => `${r.name}.` === name && r.type === type);
      assert.equal(Number(ttl), planned?.ttl ?? plan.ttl, `${name} ${type}: advice TTL ${ttl} vs plan ${planned?.ttl ?? plan.ttl}`);
      seen++;
    }
    assert.ok(seen >= 5, `expected several record lines in the fixes, saw ${seen}:\n${lines}`);
    assert.equal(plan.ttl, 3600);
  });
});
