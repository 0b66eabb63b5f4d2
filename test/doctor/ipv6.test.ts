// The doctor on a dual-stack deployment, with every record served by the loopback DNS server on
// ::1 (the resolver is reached over IPv6): AAAA of the MX host, reverse DNS under ip6.arpa with
// forward confirmation through AAAA, SPF ip6: terms, and the same verdicts and fixes as IPv4 gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DnsPlan } from '../../src/dns/types.js';
import { reverseNameOf } from '../support/dns-server.js';
import { DOMAIN, FRONT4, FRONT6, goodPlan, HOST } from './fixtures.js';
import { zones } from './fixtures.js';
import { check, othersPass, runOn } from './helpers.js';

/** Served on ::1: every scenario here reaches its resolver over IPv6. */
const onV6 = { host: '::1' as const };
/** A second IPv6 sender (say, the node smtp runs on), not an address of the MX host. */
const SENDER6 = '2001:db8::25';
const SENDER4 = '198.51.100.25';
const REV6 = reverseNameOf(FRONT6);

function senderPlan(spfValue: string, senders: string[]): DnsPlan {
  const base = goodPlan();
  return goodPlan({ spf: { ...base.spf, value: spfValue, strings: [spfValue], senderIps: senders }, records: base.records.map((r) => (r.type === 'TXT' && r.name === DOMAIN ? { ...r, values: [spfValue] } : r)) });
}

describe('doctor, IPv6: a correct dual-stack domain', () => {
  test('every check passes over a resolver on ::1; the IPv6 sender is SPF-evaluated and reverse-checked through ip6.arpa', async () => {
    const { report, server } = await runOn(zones(), { server: onV6 });
    assert.equal(server.server.startsWith('[::1]:'), true);
    assert.deepEqual(report.resolvers, [server.server]);
    othersPass(report, []);
    assert.equal(report.summary.fail + report.summary.warn, 0);
    assert.deepEqual(check(report, 'address').data, { live: [FRONT4, FRONT6], expected: [FRONT4, FRONT6] });
    assert.match(check(report, `spf.eval:${FRONT6}`).detail, /^pass/);
    assert.deepEqual(check(report, `ptr:${FRONT6}`).data, { ptr: [HOST], forwardConfirmed: true, matchesHelo: true });
    const asked = server.queries.map((q) => `${q.type} ${q.name}`);
    assert.ok(asked.includes(`PTR ${REV6}`));
    assert.ok(asked.includes(`AAAA ${HOST}`));
    // The MX host's IPv6 is a sender already: checked once, as a sender.
    assert.ok(!report.checks.some((c) => c.id.startsWith('ptr.mx:')));
  });
});

describe('doctor, IPv6: the MX host', () => {
  test('missing AAAA fails with the AAAA to publish; the IPv6 PTR loses its forward confirmation', async () => {
    const { report } = await runOn(zones({ replace: [{ name: HOST, type: 'AAAA' }] }), { server: onV6 });
    const a = check(report, 'address');
    assert.equal(a.status, 'fail');
    assert.match(a.detail, new RegExp(`missing ${FRONT6}`));
    assert.deepEqual(a.fix, [`set the AAAA records of ${HOST} to exactly:`, `publish: ${HOST}. 600 IN AAAA ${FRONT6}`]);
    const p = check(report, `ptr:${FRONT6}`);
    assert.equal(p.status, 'fail');
    assert.match(p.detail, /not forward-confirmed \(mail\.example\.com has no AAAA record\)/);
    assert.equal(p.fix?.[0], `publish: ${HOST}. 600 IN AAAA ${FRONT6} (only if ${FRONT6} also accepts connections on the mail ports; otherwise send mail out through an address ${HOST} already resolves to)`);
    othersPass(report, ['address', `ptr:${FRONT6}`]);
  });

  test('an unexpected AAAA fails like an unexpected A: the fix lists exactly the planned addresses', async () => {
    const { report } = await runOn(zones({ add: [{ name: HOST, type: 'AAAA', value: '2001:db8::99' }] }), { server: onV6 });
    const a = check(report, 'address');
    assert.equal(a.status, 'fail');
    assert.match(a.detail, /unexpected 2001:db8::99/);
    assert.deepEqual(a.fix, [`set the AAAA records of ${HOST} to exactly:`, `publish: ${HOST}. 600 IN AAAA ${FRONT6}`]);
  });

  test('the operator owns the AAAA (dual-stack) but none is published: a warning naming the node address type', async () => {
    const base = goodPlan();
    const plan = goodPlan({
      frontAddresses: [],
      records: base.records.map((r) => (r.name === HOST && (r.type === 'A' || r.type === 'AAAA') ? { ...r, values: [], source: 'operator' as const, ttl: 60 } : r)),
    });
    const { report } = await runOn(zones({ replace: [{ name: HOST, type: 'AAAA' }] }), { server: onV6, plan, configEgressIps: [FRONT4] });
    const c = check(report, 'address.aaaa');
    assert.equal(c.status, 'warn');
    assert.match(c.detail, /has an A record \(203\.0\.113\.10\) but no AAAA/);
    assert.match(c.fix?.[0] ?? '', /dns\.operator\.nodeAddressType\.ipv6: InternalIP/);
    assert.equal(check(report, 'address').status, 'pass');
    // With the AAAA published there is nothing to say.
    const good = await runOn(zones(), { server: onV6, plan, configEgressIps: [FRONT4, FRONT6] });
    assert.ok(!good.report.checks.some((x) => x.id === 'address.aaaa'));
    othersPass(good.report, []);
  });

  test("the MX host's IPv6 reverse DNS: warned when mail leaves elsewhere, failed when no egress address is known", async () => {
    const broken = zones({ replace: [{ name: REV6, type: 'PTR' }] });
    // Mail leaves from FRONT4 only: the MX host's IPv6 PTR matters less, so a warning.
    const elsewhere = await runOn(broken, { server: onV6, plan: senderPlan(`v=spf1 ip4:${FRONT4} -all`, [FRONT4]), configEgressIps: [FRONT4] });
    const w = check(elsewhere.report, `ptr.mx:${FRONT6}`);
    assert.equal(w.status, 'warn');
    assert.match(w.detail, new RegExp(`${REV6.replace(/\./g, '\\.')} does not exist \\(NXDOMAIN\\).*mail leaves from ${FRONT4.replace(/\./g, '\\.')}`));
    assert.deepEqual(w.fix, [`at the provider that owns ${FRONT6} (reverse DNS / rDNS setting), set: ${REV6}. 600 IN PTR ${HOST}.`]);
    // Nothing known about where mail leaves (the operator finds the nodes): the front's node is the
    // best guess, and its IPv6 fails exactly like a sender's.
    const unknown = await runOn(broken, { server: onV6, configEgressIps: [] });
    const f = check(unknown.report, `ptr.mx:${FRONT6}`);
    assert.equal(f.status, 'fail');
    assert.deepEqual(f.fix, w.fix);
    // And a correct one passes.
    const fine = await runOn(zones(), { server: onV6, configEgressIps: [] });
    assert.equal(check(fine.report, `ptr.mx:${FRONT6}`).status, 'pass');
    assert.equal(check(fine.report, `ptr.mx:${FRONT6}`).title, `PTR of ${HOST}'s IPv6 ${FRONT6}`);
  });
});

describe('doctor, IPv6: reverse DNS of IPv6 senders', () => {
  test('a missing IPv6 PTR fails with the ip6.arpa PTR to set at the provider', async () => {
    const { report } = await runOn(zones({ replace: [{ name: REV6, type: 'PTR' }] }), { server: onV6 });
    const c = check(report, `ptr:${FRONT6}`);
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /does not exist \(NXDOMAIN\): most receivers reject mail from addresses without reverse DNS/);
    assert.deepEqual(c.fix, [`at the provider that owns ${FRONT6} (reverse DNS / rDNS setting), set: ${REV6}. 600 IN PTR ${HOST}.`]);
    othersPass(report, [`ptr:${FRONT6}`]);
  });

  test('an IPv6 PTR naming another (forward-confirmed) host fails the HELO match', async () => {
    const { report } = await runOn(
      zones({ replace: [{ name: REV6, type: 'PTR', values: ['static-10.v6.example.net.'] }], add: [{ name: 'static-10.v6.example.net', type: 'AAAA', value: FRONT6 }] }),
      { server: onV6 },
    );
    const c = check(report, `ptr:${FRONT6}`);
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.data, { ptr: ['static-10.v6.example.net'], forwardConfirmed: true, matchesHelo: false });
    assert.match(c.detail, /differs from the HELO name mail\.example\.com/);
    assert.deepEqual(c.fix, [`at the provider that owns ${FRONT6} (reverse DNS / rDNS setting), set: ${REV6}. 600 IN PTR ${HOST}.`]);
    othersPass(report, [`ptr:${FRONT6}`]);
  });

  test('FCrDNS: the PTR names the HELO host, whose AAAA does not hold the sender', async () => {
    const spf = `v=spf1 ip4:${FRONT4} ip6:${FRONT6} ip6:${SENDER6} -all`;
    const { report } = await runOn(
      zones({ replace: [{ name: DOMAIN, type: 'TXT', values: [spf, 'google-site-verification=abc123'] }], add: [{ name: reverseNameOf(SENDER6), type: 'PTR', value: `${HOST}.` }] }),
      { server: onV6, plan: senderPlan(spf, [FRONT4, FRONT6, SENDER6]) },
    );
    const c = check(report, `ptr:${SENDER6}`);
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.data, { ptr: [HOST], forwardConfirmed: false, matchesHelo: true });
    assert.match(c.detail, new RegExp(`not forward-confirmed \\(mail\\.example\\.com → ${FRONT6}\\)`));
    assert.match(c.fix?.[0] ?? '', new RegExp(`^publish: mail\\.example\\.com\\. 600 IN AAAA ${SENDER6} \\(only if`));
    // A PTR lookup of an IPv4 sender asks A, of an IPv6 one AAAA: the forward query has the family's type.
    othersPass(report, [`ptr:${SENDER6}`]);
  });
});

describe('doctor, IPv6: SPF', () => {
  test('an IPv6 sender missing from SPF fails exactly like an IPv4 one, with the ip6: term in the fix', async () => {
    const record = `v=spf1 ip4:${FRONT4} ip6:${FRONT6} -all`;
    const rz = zones({
      add: [
        { name: reverseNameOf(SENDER6), type: 'PTR', value: `${HOST}.` },
        { name: reverseNameOf(SENDER4), type: 'PTR', value: `${HOST}.` },
      ],
    });
    const { report } = await runOn(rz, { server: onV6, egressIps: [FRONT4, FRONT6, SENDER6, SENDER4] });
    const v6 = check(report, `spf.eval:${SENDER6}`);
    const v4 = check(report, `spf.eval:${SENDER4}`);
    for (const [c, ip] of [[v6, SENDER6], [v4, SENDER4]] as const) {
      assert.equal(c.status, 'fail', ip);
      assert.match(c.detail, new RegExp(`^fail: receivers treat mail from ${ip.replace(/\./g, '\\.')} as not authorised`));
      assert.equal(c.data?.result, 'fail');
    }
    assert.deepEqual(v6.fix, [`add ip6:${SENDER6}; publish: ${DOMAIN}. 600 IN TXT "v=spf1 ip4:${FRONT4} ip6:${FRONT6} ip6:${SENDER6} -all"`]);
    assert.deepEqual(v4.fix, [`add ip4:${SENDER4}; publish: ${DOMAIN}. 600 IN TXT "v=spf1 ip4:${FRONT4} ip6:${FRONT6} ip4:${SENDER4} -all"`]);
    assert.equal(check(report, 'spf.record').detail, `"${record}"`);
  });

  test('when the plan already lists the IPv6 sender, the fix is the planned record', async () => {
    const planned = `v=spf1 ip4:${FRONT4} ip6:${FRONT6} ip6:${SENDER6} -all`;
    const { report } = await runOn(zones({ add: [{ name: reverseNameOf(SENDER6), type: 'PTR', value: `${HOST}.` }] }), {
      server: onV6,
      plan: senderPlan(planned, [FRONT4, FRONT6, SENDER6]),
    });
    const c = check(report, `spf.eval:${SENDER6}`);
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.fix, [`add ip6:${SENDER6}; publish: ${DOMAIN}. 600 IN TXT "${planned}"`]);
    assert.equal(check(report, 'spf.record').status, 'warn', 'the published record differs from the planned one');
  });

  test('an ip6: range covering the sender passes; IPv6 written in another form is the same address', async () => {
    const spf = `v=spf1 ip4:${FRONT4} ip6:2001:db8::/64 -all`;
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'TXT', values: [spf] }] }), {
      server: onV6,
      plan: senderPlan(spf, [FRONT4, FRONT6]),
      egressIps: [FRONT4, '2001:0db8:0:0:0:0:0:10'],
    });
    assert.deepEqual(report.egressIps, [FRONT4, FRONT6]);
    assert.match(check(report, `spf.eval:${FRONT6}`).detail, /^pass/);
    othersPass(report, []);
  });
});
