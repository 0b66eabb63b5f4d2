// The DNS plan on a dual-stack cluster: AAAA next to A (static or operator-owned), SPF ip6: terms
// and a PTR expectation for every IPv6 sender, and AAAA in the DNSEndpoints, strictly valid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnsEndpointManifests } from '../../src/dns/endpoints.js';
import { planDns, reverseName } from '../../src/dns/plan.js';
import { validateManifest } from '../support/schema.js';
import { cfg, noRecord, rec, records, type Overrides } from './helpers.js';

const D = 'example.com';
const H = 'mail.example.com';
const DUAL = { cluster: { podCidr: '10.42.0.0/16', podCidr6: '2001:db8:42::/56', serviceCidr6: '2001:db8:43::/112' } };
const V6 = '2001:db8:10::10';

/** Every endpoint of the static DNSEndpoints as "name TYPE targets", after checking them against the CRD. */
function endpoints(over: Overrides): string[] {
  const config = cfg(over);
  const objs = dnsEndpointManifests(planDns(config), config);
  for (const o of objs) assert.deepEqual(validateManifest(o), [], o.metadata.name);
  return objs.flatMap((o) => o.spec.endpoints).map((e) => `${e.dnsName} ${e.recordType} ${e.targets.join(',')}`);
}

describe('DNS plan, dual-stack: the primary hostname', () => {
  test('static IPv6 in dns.addresses: an AAAA next to the A, in the plan and in the DNSEndpoints (unproxied)', () => {
    const over = { ...DUAL, dns: { addresses: ['203.0.113.10', V6] }, egress: { mode: 'nodeIps', addresses: ['203.0.113.10', V6] } };
    const plan = planDns(cfg(over));
    assert.deepEqual(rec(plan, H, 'A').values, ['203.0.113.10']);
    assert.deepEqual(rec(plan, H, 'AAAA'), { name: H, type: 'AAAA', ttl: 600, values: [V6], source: 'static', purpose: rec(plan, H, 'AAAA').purpose });
    assert.deepEqual(plan.frontAddresses, ['203.0.113.10', V6]);
    const eps = endpoints(over);
    assert.ok(eps.includes(`${H} A 203.0.113.10`));
    assert.ok(eps.includes(`${H} AAAA ${V6}`));
    const config = cfg(over);
    const aaaa = dnsEndpointManifests(planDns(config), config).flatMap((o) => o.spec.endpoints).find((e) => e.recordType === 'AAAA')!;
    assert.deepEqual(aaaa.providerSpecific, [{ name: 'external-dns.kubernetes.io/cloudflare-proxied', value: 'false' }]);
  });

  test('IPv6 written in any form is published in its canonical form, sorted after IPv4', () => {
    const plan = planDns(cfg({ ...DUAL, dns: { addresses: ['2001:DB8:10:0:0:0:0:10', '203.0.113.10'] } }));
    assert.deepEqual(rec(plan, H, 'AAAA').values, [V6]);
  });

  test('operator-owned address on a dual-stack cluster: an operator AAAA next to the operator A, with the operator TTL', () => {
    const over = { ...DUAL, dns: { addresses: [], operator: { enabled: true, ttl: 45, allHostnames: true } }, hostnames: [H, 'smtp.example.com'] };
    const plan = planDns(cfg(over));
    for (const host of [H, 'smtp.example.com']) {
      for (const type of ['A', 'AAAA'] as const) {
        const r = rec(plan, host, type);
        assert.equal(r.source, 'operator', `${host} ${type}`);
        assert.deepEqual(r.values, []);
        assert.equal(r.ttl, 45);
      }
    }
    assert.match(rec(plan, H, 'AAAA').purpose, /IPv6 address of the node running front/);
    // Live values never go into the static DNSEndpoints: they would fight the operator.
    assert.ok(!endpoints(over).some((e) => / (A|AAAA) /.test(e)));
  });

  test('operator-owned address on a single-stack cluster: the A only (no pod listens on IPv6)', () => {
    const plan = planDns(cfg({ dns: { addresses: [], operator: { enabled: true } } }));
    assert.equal(rec(plan, H, 'A').source, 'operator');
    noRecord(plan, H, 'AAAA');
  });
});

describe('DNS plan, dual-stack: IPv6 senders', () => {
  test('nodeIps with IPv6 addresses: ip6: terms, one PTR record and one provider step per IPv6 sender', () => {
    const senders = ['203.0.113.10', V6, '2001:db8:11::11'];
    const plan = planDns(cfg({ ...DUAL, dns: { addresses: ['203.0.113.10', V6] }, egress: { mode: 'nodeIps', addresses: senders } }));
    assert.equal(plan.spf.value, `v=spf1 ip4:203.0.113.10 ip6:${V6} ip6:2001:db8:11::11 ~all`);
    assert.deepEqual(plan.spf.senderIps, senders);
    for (const ip of [V6, '2001:db8:11::11']) {
      const name = reverseName(ip);
      assert.match(name, /^([0-9a-f]\.){32}ip6\.arpa$/);
      const ptr = rec(plan, name, 'PTR');
      assert.deepEqual(ptr.values, [`${H}.`]);
      assert.equal(ptr.source, 'manual');
      const step = plan.manual.find((m) => m.kind === 'ptr' && m.subject === ip);
      assert.ok(step, `a PTR step for ${ip}`);
      assert.match(step.instruction, new RegExp(`set ${name.replace(/\./g, '\\.')}\\. PTR ${H}\\.`));
      assert.match(step.instruction, /FCrDNS/);
    }
    // 2001:0db8:0010:0000:0000:0000:0000:0010, nibbles reversed (RFC 3596 §2.5).
    assert.equal(reverseName(V6), '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    // PTRs are set at the address owner, never in the zone.
    assert.ok(!endpoints({ ...DUAL, dns: { addresses: ['203.0.113.10', V6] }, egress: { mode: 'nodeIps', addresses: senders } }).some((e) => / PTR /.test(e)));
  });

  test('an IPv6 sender that the primary hostname does not resolve to is warned about (FCrDNS would fail)', () => {
    const plan = planDns(cfg({ ...DUAL, dns: { addresses: ['203.0.113.10'] }, egress: { mode: 'nodeIps', addresses: ['203.0.113.10', V6] } }));
    assert.ok(plan.warnings.some((w) => w.includes(`mail leaves from ${V6}`) && /FCrDNS/.test(w)), plan.warnings.join('\n'));
  });

  test('a unique-local IPv6 sender is warned about: receivers never see it', () => {
    const plan = planDns(cfg({ ...DUAL, egress: { mode: 'nodeIps', addresses: ['203.0.113.10', 'fd00::10'] } }));
    assert.ok(plan.warnings.some((w) => w.includes('egress.addresses: fd00::10 is a unique local (fc00::/7) address')), plan.warnings.join('\n'));
  });

  test('ciliumGateway: egress.ipv6Addresses become ip6: terms and PTR steps next to the IPv4 public IPs', () => {
    const plan = planDns(cfg({ ...DUAL, egress: { mode: 'ciliumGateway', nodeSelector: { egress: 'mail' }, publicIPs: ['198.51.100.25'], ipv6Addresses: ['2001:db8:25::25'], ciliumVersion: '1.18' } }));
    assert.equal(plan.spf.value, 'v=spf1 ip4:198.51.100.25 ip6:2001:db8:25::25 ~all');
    assert.deepEqual(records(plan, reverseName('2001:db8:25::25'), 'PTR').map((r) => r.values), [[`${H}.`]]);
    assert.ok(plan.manual.some((m) => m.kind === 'ptr' && m.subject === '2001:db8:25::25'));
  });

  test('nodeIps senders found by the operator on a dual-stack cluster: the PTR step asks for IPv6 too', () => {
    const plan = planDns(cfg({ ...DUAL, dns: { addresses: [], operator: { enabled: true } }, egress: { mode: 'nodeIps', addresses: [] } }));
    assert.equal(plan.spf.source, 'operator');
    const step = plan.manual.find((m) => m.subject === 'PTR of sending nodes');
    assert.ok(step);
    assert.match(step.instruction, /IPv4 and IPv6/);
    assert.match(step.instruction, /AAAA for IPv6/);
    const single = planDns(cfg({ dns: { addresses: [], operator: { enabled: true } }, egress: { mode: 'nodeIps', addresses: [] } }));
    assert.doesNotMatch(single.manual.find((m) => m.subject === 'PTR of sending nodes')!.instruction, /IPv6/);
  });
});

describe('DNS plan, dual-stack: the zone domain', () => {
  test('the MX stays one name: its A and AAAA are what senders of both families connect to', () => {
    const plan = planDns(cfg({ ...DUAL, dns: { addresses: ['203.0.113.10', V6] } }));
    assert.deepEqual(rec(plan, D, 'MX').values, [`10 ${H}.`]);
  });
});
