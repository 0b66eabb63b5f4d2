// The doctor end to end over real DNS on loopback: a correct domain, then one broken record per
// scenario, each asserting the verdict and the fix the report gives.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNodeResolver } from '../../src/doctor/resolver.js';
import { exitCodeFor, ResolverUnreachableError, runDoctorChecks } from '../../src/doctor/run.js';
import { renderJson, renderTable } from '../../src/doctor/report.js';
import { reverseNameOf, startDnsServer } from '../support/dns-server.js';
import { DOMAIN, dkimValue1024, FRONT4, FRONT6, goodPlan, HOST, SPF, zones } from './fixtures.js';
import { check, othersPass, runOn } from './helpers.js';

const OTHER = '198.51.100.7';

describe('doctor on a fully correct domain', () => {
  test('every check passes and the exit code is 0', async () => {
    const { report, server } = await runOn(zones());
    othersPass(report, []);
    assert.equal(report.summary.fail, 0);
    assert.equal(report.summary.warn, 0);
    assert.equal(exitCodeFor(report, true), 0);
    assert.deepEqual(report.egressIps, [FRONT4, FRONT6]);
    assert.equal(report.egressSource, 'config');
    // SPF evaluated per egress address by mailauth, through our resolver
    assert.match(check(report, `spf.eval:${FRONT4}`).detail, /^pass/);
    assert.match(check(report, `spf.eval:${FRONT6}`).detail, /^pass/);
    assert.deepEqual(check(report, `ptr:${FRONT6}`).data, { ptr: [HOST], forwardConfirmed: true, matchesHelo: true });
    assert.match(check(report, 'dkim').detail, /rsa 2048 bits/);
    assert.match(check(report, 'dmarc').detail, /p=reject adkim=s aspf=s/);
    // every query reached the loopback server, answers were shared (no name+type asked twice over UDP)
    const udp = server.queries.filter((q) => q.transport === 'udp').map((q) => `${q.type} ${q.name}`);
    assert.equal(new Set(udp).size, udp.length, `duplicate queries: ${udp.join(', ')}`);
    assert.equal(report.queries, udp.length);
    assert.ok(udp.includes(`PTR ${reverseNameOf(FRONT6)}`));
  });

  test('the table names every check and the JSON carries the same report', async () => {
    const { report } = await runOn(zones());
    const table = renderTable(report);
    assert.match(table, /^PASS {4}MX of example\.com +10 mail\.example\.com$/m);
    assert.match(table, /13 checks passed, 0 warnings, 0 failures/);
    const json = JSON.parse(renderJson(report)) as typeof report;
    assert.deepEqual(json.checks.map((c) => c.id), report.checks.map((c) => c.id));
    assert.deepEqual(json.summary, { pass: 13, warn: 0, fail: 0 });
  });
});

describe('SPF', () => {
  test('11 DNS-querying terms through includes fail, although the egress address matches early', async () => {
    const hosts = Array.from({ length: 9 }, (_, i) => `h${i + 1}.example.net`);
    const { report } = await runOn(
      zones({
        replace: [{ name: DOMAIN, type: 'TXT', values: [`v=spf1 ip4:${FRONT4} ip6:${FRONT6} include:_spf1.example.net include:_spf2.example.net -all`] }],
        add: [
          { name: '_spf1.example.net', type: 'TXT', value: `v=spf1 ${hosts.slice(0, 4).map((h) => `a:${h}`).join(' ')} -all` },
          { name: '_spf2.example.net', type: 'TXT', value: `v=spf1 ${hosts.slice(4).map((h) => `a:${h}`).join(' ')} -all` },
          ...hosts.map((h, i) => ({ name: h, type: 'A' as const, value: `198.51.100.${100 + i}` })),
        ],
      }),
      { plan: goodPlan({ spf: { ...goodPlan().spf, value: '' } }) },
    );
    const limits = check(report, 'spf.limits');
    assert.equal(limits.status, 'fail');
    assert.equal(limits.data?.lookups, 11);
    assert.match(limits.detail, /11 DNS-querying terms counted through includes, limit 10/);
    assert.match(limits.fix?.join('\n') ?? '', /TXT _spf1\.example\.net, A h1\.example\.net/);
    // the egress address itself is matched by ip4: before any lookup
    assert.equal(check(report, `spf.eval:${FRONT4}`).status, 'pass');
    othersPass(report, ['spf.limits']);
  });

  test('an address evaluated past 10 lookups gets permerror', async () => {
    const hosts = Array.from({ length: 11 }, (_, i) => `h${i + 1}.example.net`);
    const { report } = await runOn(
      zones({
        replace: [{ name: DOMAIN, type: 'TXT', values: [`v=spf1 ${hosts.map((h) => `a:${h}`).join(' ')} ip4:${OTHER} -all`] }],
        add: hosts.map((h, i) => ({ name: h, type: 'A' as const, value: `198.51.100.${100 + i}` })),
      }),
      { egressIps: [OTHER] },
    );
    const ev = check(report, `spf.eval:${OTHER}`);
    assert.equal(ev.status, 'fail');
    assert.equal(ev.data?.result, 'permerror');
    assert.equal(check(report, 'spf.limits').data?.lookups, 11);
  });

  test('two v=spf1 records fail with permerror and the one record to keep', async () => {
    const { report } = await runOn(zones({ add: [{ name: DOMAIN, type: 'TXT', value: 'v=spf1 mx -all' }] }));
    const rec = check(report, 'spf.record');
    assert.equal(rec.status, 'fail');
    assert.match(rec.detail, /2 v=spf1 records at example\.com: receivers return permerror/);
    assert.ok(rec.fix?.includes(`publish: example.com. 600 IN TXT "${SPF}"`), rec.fix?.join('\n'));
    assert.equal(exitCodeFor(report, false), 1);
  });

  test('more than two void lookups fail', async () => {
    const { report } = await runOn(
      zones({ replace: [{ name: DOMAIN, type: 'TXT', values: [`v=spf1 ip4:${FRONT4} ip6:${FRONT6} a:gone1.example.com mx:gone2.example.com a:gone3.example.com -all`] }] }),
    );
    const limits = check(report, 'spf.limits');
    assert.equal(limits.status, 'fail');
    assert.equal(limits.data?.voidLookups, 3);
    assert.match(limits.detail, /3 void lookups \(no data\), limit 2/);
    assert.match(limits.fix?.[0] ?? '', /gone1\.example\.com \(nxdomain\)/);
  });

  test('an egress address missing from SPF fails with the record that adds it', async () => {
    const { report } = await runOn(zones(), { egressIps: [FRONT4, OTHER] });
    assert.equal(check(report, `spf.eval:${FRONT4}`).status, 'pass');
    const ev = check(report, `spf.eval:${OTHER}`);
    assert.equal(ev.status, 'fail');
    assert.equal(ev.data?.result, 'fail');
    assert.deepEqual(ev.fix, [`add ip4:${OTHER}; publish: example.com. 600 IN TXT "v=spf1 ip4:${FRONT4} ip6:${FRONT6} ip4:${OTHER} -all"`]);
    assert.equal(report.egressSource, 'option');
  });

  test('softfail (~all) is reported as such', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'TXT', values: [`v=spf1 ip4:${FRONT4} ~all`] }] }), { egressIps: [OTHER] });
    assert.equal(check(report, `spf.eval:${OTHER}`).data?.result, 'softfail');
  });

  test('no SPF record fails with the planned record', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'TXT', values: ['google-site-verification=abc123'] }] }));
    const rec = check(report, 'spf.record');
    assert.equal(rec.status, 'fail');
    assert.deepEqual(rec.fix, [`publish: example.com. 600 IN TXT "${SPF}"`]);
  });

  test('+all is flagged as open to every sender', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'TXT', values: ['v=spf1 +all'] }] }), { plan: goodPlan({ spf: { ...goodPlan().spf, value: '' } }) });
    assert.equal(check(report, 'spf.open').status, 'warn');
  });

  test('an include without SPF record gives permerror', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'TXT', values: [`v=spf1 ip4:${FRONT4} ip6:${FRONT6} include:nospf.example.net -all`] }] }));
    const c = check(report, 'spf.syntax');
    assert.equal(c.status, 'fail');
    assert.equal(c.data?.result, 'permerror');
  });

  test('TXT answers over 512 bytes arrive over TCP and the size guideline warns', async () => {
    const tokens = ['a', 'b', 'c'].map((x) => ({ name: DOMAIN, type: 'TXT' as const, value: `verification-${x}=${x.repeat(180)}` }));
    const { report, server } = await runOn(zones({ add: tokens }));
    assert.ok(server.queries.some((q) => q.transport === 'tcp' && q.type === 'TXT' && q.name === DOMAIN), 'expected the TCP retry');
    const limits = check(report, 'spf.limits');
    assert.equal(limits.status, 'warn');
    assert.match(limits.detail, /guideline < 450/);
    assert.equal(check(report, 'spf.record').status, 'pass');
    assert.equal(exitCodeFor(report, false), 0);
    assert.equal(exitCodeFor(report, true), 1);
  });
});

describe('PTR', () => {
  test('a missing PTR fails with the PTR to set at the provider', async () => {
    const { report } = await runOn(zones({ replace: [{ name: reverseNameOf(FRONT4), type: 'PTR' }] }));
    const c = check(report, `ptr:${FRONT4}`);
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /^10\.113\.0\.203\.in-addr\.arpa does not exist \(NXDOMAIN\): most receivers reject/);
    assert.deepEqual(c.fix, [`at the provider that owns ${FRONT4} (reverse DNS / rDNS setting), set: 10.113.0.203.in-addr.arpa. 600 IN PTR mail.example.com.`]);
    othersPass(report, [`ptr:${FRONT4}`]);
  });

  test('a PTR that does not resolve back to the address fails FCrDNS', async () => {
    // 198.51.100.7 reverses to mail.example.com, which resolves to the front address only
    const { report } = await runOn(zones({ add: [{ name: reverseNameOf(OTHER), type: 'PTR', value: `${HOST}.` }] }), {
      egressIps: [OTHER],
      plan: goodPlan({ spf: { ...goodPlan().spf, value: `v=spf1 ip4:${OTHER} -all` } }),
    });
    const c = check(report, `ptr:${OTHER}`);
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.data, { ptr: [HOST], forwardConfirmed: false, matchesHelo: true });
    assert.match(c.detail, /not forward-confirmed \(mail\.example\.com → 203\.0\.113\.10\)/);
    assert.match(c.fix?.[0] ?? '', /^publish: mail\.example\.com\. 600 IN A 198\.51\.100\.7 \(only if/);
  });

  test('a forward-confirmed PTR naming another host fails the HELO match', async () => {
    const { report } = await runOn(
      zones({ replace: [{ name: reverseNameOf(FRONT4), type: 'PTR', values: ['static-10.example.net.'] }], add: [{ name: 'static-10.example.net', type: 'A', value: FRONT4 }] }),
    );
    const c = check(report, `ptr:${FRONT4}`);
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.data, { ptr: ['static-10.example.net'], forwardConfirmed: true, matchesHelo: false });
    assert.match(c.detail, /differs from the HELO name mail\.example\.com/);
    assert.match(c.fix?.[0] ?? '', /set: 10\.113\.0\.203\.in-addr\.arpa\. 600 IN PTR mail\.example\.com\.$/);
  });

  test('a PTR to a name that does not exist fails both', async () => {
    const { report } = await runOn(zones({ replace: [{ name: reverseNameOf(FRONT6), type: 'PTR', values: ['nowhere.example.net.'] }] }));
    const c = check(report, `ptr:${FRONT6}`);
    assert.deepEqual(c.data, { ptr: ['nowhere.example.net'], forwardConfirmed: false, matchesHelo: false });
    assert.match(c.detail, /nowhere\.example\.net does not exist \(NXDOMAIN\)/);
  });

  test('no egress address known: SPF and PTR warn and say how to supply one', async () => {
    const { report } = await runOn(zones(), { plan: goodPlan({ spf: { ...goodPlan().spf, senderIps: [] } }) });
    assert.equal(check(report, 'ptr').status, 'warn');
    assert.equal(check(report, 'spf.eval').status, 'warn');
    assert.match(check(report, 'spf.eval').fix?.[0] ?? '', /--egress-ip/);
    assert.equal(report.egressSource, 'none');
  });

  test('relay egress: SPF/PTR of the relay are not ours', async () => {
    const { report } = await runOn(zones(), { plan: goodPlan({ spf: { ...goodPlan().spf, senderIps: [] } }), relayHost: 'smtp.relay.example' });
    assert.equal(check(report, 'ptr').status, 'pass');
    assert.equal(check(report, 'spf.eval').status, 'pass');
  });
});

describe('DKIM', () => {
  test('a missing key record fails and says where the record comes from', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `dkim._domainkey.${DOMAIN}`, type: 'TXT' }] }));
    const c = check(report, 'dkim');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /dkim\._domainkey\.example\.com does not exist \(NXDOMAIN\)/);
    assert.match(c.fix?.[0] ?? '', /Mailu's admin.*Generate keys.*dkim\._domainkey\.example\.com/);
    othersPass(report, ['dkim']);
  });

  test('a truncated key fails as malformed', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `dkim._domainkey.${DOMAIN}`, type: 'TXT', values: ['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo'] }] }));
    const c = check(report, 'dkim');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /^malformed: p= does not hold a rsa public key/);
  });

  test('a key split across character-strings is joined before parsing', async () => {
    const v = (await import('./fixtures.js')).dkimValue();
    const { report } = await runOn(zones({ replace: [{ name: `dkim._domainkey.${DOMAIN}`, type: 'TXT', values: [[v.slice(0, 200), v.slice(200)]] }] }));
    assert.equal(check(report, 'dkim').status, 'pass');
  });

  test('a 1024-bit key warns', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `dkim._domainkey.${DOMAIN}`, type: 'TXT', values: [dkimValue1024()] }] }));
    const c = check(report, 'dkim');
    assert.equal(c.status, 'warn');
    assert.match(c.detail, /rsa 1024 bits/);
  });

  test('a SERVFAIL for the key is a lookup failure, not a missing key', async () => {
    const { report } = await runOn(zones(), { server: { rules: [{ name: `dkim._domainkey.${DOMAIN}`, action: 'servfail' }] } });
    const c = check(report, 'dkim');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /TXT lookup of dkim\._domainkey\.example\.com failed: servfail/);
    assert.match(c.fix?.[0] ?? '', /authoritative servers must answer/);
  });
});

describe('DMARC', () => {
  test('a missing record fails with the planned record', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `_dmarc.${DOMAIN}`, type: 'TXT' }] }));
    const c = check(report, 'dmarc');
    assert.equal(c.status, 'fail');
    assert.deepEqual(c.fix, ['publish: _dmarc.example.com. 600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com; adkim=s; aspf=s"']);
    othersPass(report, ['dmarc']);
  });

  test('p=none warns; external rua needs the report domain to authorise it', async () => {
    const { report } = await runOn(
      zones({
        replace: [{ name: `_dmarc.${DOMAIN}`, type: 'TXT', values: ['v=DMARC1; p=none; rua=mailto:a@reports.example.net,mailto:b@example.org'] }],
        add: [{ name: `${DOMAIN}._report._dmarc.reports.example.net`, type: 'TXT', value: 'v=DMARC1;' }],
      }),
    );
    const c = check(report, 'dmarc');
    assert.equal(c.status, 'warn');
    assert.match(c.detail, /p=none adkim=r aspf=r rua=mailto:a@reports\.example\.net,mailto:b@example\.org: monitoring only/);
    assert.equal(check(report, 'dmarc.report:reports.example.net').status, 'pass');
    const org = check(report, 'dmarc.report:example.org');
    assert.equal(org.status, 'warn');
    assert.deepEqual(org.fix, ['the owner of example.org must publish: example.com._report._dmarc.example.org. 600 IN TXT "v=DMARC1;"']);
  });

  test('an invalid policy fails', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `_dmarc.${DOMAIN}`, type: 'TXT', values: ['v=DMARC1; p=block'] }] }));
    const c = check(report, 'dmarc');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /p=block is not none, quarantine or reject/);
  });
});

describe('MX and addresses', () => {
  test('MX pointing elsewhere fails with the MX to publish', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'MX', values: ['10 mx.other-provider.example.net.'] }] }));
    const c = check(report, 'mx');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /MX points at mx\.other-provider\.example\.net, not mail\.example\.com/);
    assert.deepEqual(c.fix, ['replace the MX records of example.com with:', 'publish: example.com. 600 IN MX 10 mail.example.com.']);
    othersPass(report, ['mx']);
  });

  test('a backup MX warns', async () => {
    const { report } = await runOn(zones({ add: [{ name: DOMAIN, type: 'MX', value: '20 backup.example.net.' }] }));
    assert.equal(check(report, 'mx').status, 'warn');
  });

  test('a missing MX fails', async () => {
    const { report } = await runOn(zones({ replace: [{ name: DOMAIN, type: 'MX' }] }));
    assert.match(check(report, 'mx').detail, /example\.com has no MX record/);
  });

  test('the primary hostname resolving elsewhere fails; --expect-ip overrides the plan', async () => {
    const z = zones({ replace: [{ name: HOST, type: 'A', values: ['192.0.2.99'] }] });
    const { report } = await runOn(z);
    const c = check(report, 'address');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /missing 203\.0\.113\.10; unexpected 192\.0\.2\.99/);
    assert.ok(c.fix?.includes('publish: mail.example.com. 600 IN A 203.0.113.10'));
    const { report: r2 } = await runOn(z, { expectIps: ['192.0.2.99', FRONT6] });
    assert.equal(check(r2, 'address').status, 'pass');
  });
});

describe('SRV and MTA-STS', () => {
  test('an SRV record advertising a disabled port fails', async () => {
    const { report } = await runOn(zones({ replace: [{ name: `_imap._tcp.${DOMAIN}`, type: 'SRV', values: [`10 1 143 ${HOST}.`] }] }));
    const c = check(report, `srv:_imap._tcp.${DOMAIN}`);
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /advertises port 143 although the service is not enabled/);
    assert.deepEqual(c.fix, ['replace with "service not available": _imap._tcp.example.com. 600 IN SRV 0 0 0 .']);
  });

  test('an enabled service published as unavailable or on another port fails; a missing one warns', async () => {
    const { report } = await runOn(
      zones({
        replace: [
          { name: `_submissions._tcp.${DOMAIN}`, type: 'SRV', values: ['0 0 0 .'] },
          { name: `_imaps._tcp.${DOMAIN}`, type: 'SRV', values: [`0 1 994 ${HOST}.`] },
          { name: `_submission._tcp.${DOMAIN}`, type: 'SRV' },
          { name: `_pop3._tcp.${DOMAIN}`, type: 'SRV' },
        ],
      }),
    );
    assert.match(check(report, `srv:_submissions._tcp.${DOMAIN}`).detail, /says the service is not available, but port 465 is enabled/);
    assert.match(check(report, `srv:_imaps._tcp.${DOMAIN}`).detail, /expected mail\.example\.com:993/);
    assert.equal(check(report, `srv:_submission._tcp.${DOMAIN}`).status, 'warn');
    // a disabled service may simply be absent
    assert.equal(report.checks.find((c) => c.id === `srv:_pop3._tcp.${DOMAIN}`), undefined);
  });

  test('MTA-STS: stale id warns, malformed fails, missing policy host fails', async () => {
    const stale = await runOn(zones({ replace: [{ name: `_mta-sts.${DOMAIN}`, type: 'TXT', values: ['v=STSv1; id=1'] }] }));
    assert.equal(check(stale.report, 'mta-sts').status, 'warn');
    const bad = await runOn(zones({ replace: [{ name: `_mta-sts.${DOMAIN}`, type: 'TXT', values: ['v=STSv1; id=not-valid!'] }, { name: `mta-sts.${DOMAIN}`, type: 'CNAME' }] }));
    assert.equal(check(bad.report, 'mta-sts').status, 'fail');
    const host = check(bad.report, 'mta-sts.host');
    assert.equal(host.status, 'fail');
    assert.deepEqual(host.fix, ['publish: mta-sts.example.com. 600 IN CNAME mail.example.com.']);
  });

  test('MTA-STS published without a served policy warns', async () => {
    const plan = goodPlan();
    plan.records = plan.records.filter((r) => !r.name.startsWith('_mta-sts') && !r.name.startsWith('mta-sts'));
    const { report } = await runOn(zones(), { plan });
    assert.equal(check(report, 'mta-sts').status, 'warn');
  });
});

describe('resolver problems', () => {
  test('a resolver that does not answer gives a clear error, quickly', async () => {
    const server = await startDnsServer({ zones: zones() });
    server.setMode('drop');
    try {
      const t0 = Date.now();
      const err = await runDoctorChecks({ plan: goodPlan(), resolver: createNodeResolver({ servers: [server.server], timeoutMs: 300, tries: 1 }) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ResolverUnreachableError, String(err));
      assert.equal(err.message, `DNS resolver ${server.server} did not answer (timed out) when asked for the MX of example.com; check --resolver`);
      assert.ok(Date.now() - t0 < 3000, 'the error must come after one timeout, not after every query timed out in turn');
    } finally {
      await server.close();
    }
  });

  test('nothing listening on the resolver port is reported as refused', async () => {
    const server = await startDnsServer({ zones: zones() });
    await server.close();
    const err = await runDoctorChecks({ plan: goodPlan(), resolver: createNodeResolver({ servers: [server.server], timeoutMs: 300, tries: 1 }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ResolverUnreachableError);
    assert.match(err.message, /refused the connection \(nothing listening\)/);
  });
});
