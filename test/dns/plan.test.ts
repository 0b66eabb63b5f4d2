// The DNS plan computed from the config: record contents per egress mode, SRV per enabled port,
// DMARC and its cross-zone authorisation, MTA-STS, the A record's owner, SPF limits, PTR steps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { checkDnsPlan, externalReportDomains, planDns, reverseName } from '../../src/dns/plan.js';
import { reverseNameOf } from '../support/dns-server.js';
import { cfg, noRecord, rawCfg, rec, records } from './helpers.js';

const D = 'example.com';
const H = 'mail.example.com';

describe('the embedded example', () => {
  const plan = planDns(cfg());

  test('MX, A and SPF follow the config', () => {
    assert.deepEqual(rec(plan, D, 'MX').values, [`10 ${H}.`]);
    assert.deepEqual(rec(plan, H, 'A'), { name: H, type: 'A', ttl: 600, values: ['203.0.113.10'], source: 'static', purpose: rec(plan, H, 'A').purpose });
    noRecord(plan, H, 'AAAA');
    assert.equal(plan.spf.value, 'v=spf1 ip4:203.0.113.10 ~all');
    assert.equal(plan.spf.source, 'static');
    assert.deepEqual(plan.spf.strings, [plan.spf.value]);
    assert.deepEqual(plan.spf.senderIps, ['203.0.113.10']);
    assert.equal(plan.spf.lookups, 0);
    assert.equal(plan.spf.bytes, Buffer.byteLength(plan.spf.value));
    assert.deepEqual(rec(plan, D, 'TXT').values, [plan.spf.value]);
    assert.deepEqual(plan.frontAddresses, ['203.0.113.10']);
    assert.deepEqual(plan.mailPorts, [25, 465, 587, 993]);
    assert.equal(plan.primaryHostname, H);
    assert.deepEqual(plan.warnings, []);
  });

  test('DMARC with an in-domain report address needs no authorisation record', () => {
    assert.deepEqual(rec(plan, `_dmarc.${D}`, 'TXT').values, ['v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com; adkim=s; aspf=s']);
    assert.equal(plan.records.filter((r) => r.name.includes('._report._dmarc.')).length, 0);
  });

  test('DKIM is a manual placeholder with a step naming Mailu admin', () => {
    const dkim = rec(plan, `dkim._domainkey.${D}`, 'TXT');
    assert.equal(dkim.source, 'manual');
    assert.deepEqual(dkim.values, []);
    const step = plan.manual.find((s) => s.kind === 'dkim');
    assert.ok(step);
    assert.equal(step.subject, `dkim._domainkey.${D}`);
    assert.match(step.instruction, /Generate keys/);
    assert.equal(plan.dkimSelector, 'dkim');
  });

  test('autoconfig and autodiscover are CNAMEs of the primary hostname; no MTA-STS by default', () => {
    assert.deepEqual(rec(plan, `autoconfig.${D}`, 'CNAME').values, [`${H}.`]);
    assert.deepEqual(rec(plan, `autodiscover.${D}`, 'CNAME').values, [`${H}.`]);
    noRecord(plan, `_mta-sts.${D}`, 'TXT');
    noRecord(plan, `mta-sts.${D}`, 'CNAME');
  });

  test('SRV: enabled ports live with Mailu priorities, the others "0 0 0 ."', () => {
    const srv = (label: string) => rec(plan, `${label}.${D}`, 'SRV').values;
    assert.deepEqual(srv('_submissions._tcp'), [`10 1 465 ${H}.`]);
    assert.deepEqual(srv('_submission._tcp'), [`20 1 587 ${H}.`]);
    assert.deepEqual(srv('_imaps._tcp'), [`10 1 993 ${H}.`]);
    assert.deepEqual(srv('_imap._tcp'), ['0 0 0 .']);
    assert.deepEqual(srv('_pop3s._tcp'), ['0 0 0 .']);
    assert.deepEqual(srv('_pop3._tcp'), ['0 0 0 .']);
    assert.deepEqual(srv('_autodiscover._tcp'), [`10 1 443 ${H}.`]);
  });

  test('one PTR step for the sending address, with its reverse name and FCrDNS explained', () => {
    const ptr = rec(plan, '10.113.0.203.in-addr.arpa', 'PTR');
    assert.deepEqual(ptr.values, [`${H}.`]);
    assert.equal(ptr.source, 'manual');
    const steps = plan.manual.filter((s) => s.kind === 'ptr');
    assert.equal(steps.length, 1);
    assert.equal(steps[0]!.subject, '203.0.113.10');
    assert.equal(steps[0]!.expected, `${H}.`);
    assert.match(steps[0]!.instruction, /10\.113\.0\.203\.in-addr\.arpa/);
    assert.match(steps[0]!.instruction, /FCrDNS/);
  });

  test('the plan is deterministic and every record uses lower-case names without trailing dots', () => {
    assert.deepEqual(planDns(cfg()), plan);
    assert.equal(JSON.stringify(planDns(cfg())), JSON.stringify(plan));
    for (const r of plan.records) {
      assert.equal(r.name, r.name.toLowerCase());
      assert.ok(!r.name.endsWith('.'), r.name);
      assert.ok(r.purpose.length > 0, `${r.name} ${r.type} has no purpose`);
    }
  });
});

describe('SPF and PTR per egress mode', () => {
  test('nodeIps: addresses sorted (IPv4 before IPv6), -all honoured, one PTR per address', () => {
    const plan = planDns(
      cfg({
        egress: { mode: 'nodeIps', addresses: ['2001:db8::25', '203.0.113.11', '203.0.113.10'] },
        dns: { addresses: ['203.0.113.10', '203.0.113.11', '2001:db8::25'], spf: { all: '-all' } },
      }),
    );
    assert.equal(plan.spf.value, 'v=spf1 ip4:203.0.113.10 ip4:203.0.113.11 ip6:2001:db8::25 -all');
    assert.deepEqual(rec(plan, H, 'A').values, ['203.0.113.10', '203.0.113.11']);
    assert.deepEqual(rec(plan, H, 'AAAA').values, ['2001:db8::25']);
    const ptrs = plan.manual.filter((s) => s.kind === 'ptr').map((s) => s.subject);
    assert.deepEqual(ptrs, ['203.0.113.10', '203.0.113.11', '2001:db8::25']);
    assert.ok(rec(plan, reverseNameOf('2001:db8::25'), 'PTR'));
    assert.deepEqual(plan.warnings, []);
  });

  test('nodeIps with the operator: SPF is operator-owned, empty, and PTR becomes a general step', () => {
    const plan = planDns(cfg({ egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true } } }));
    assert.equal(plan.spf.source, 'operator');
    assert.equal(plan.spf.value, '');
    assert.deepEqual(plan.spf.strings, []);
    const txt = rec(plan, D, 'TXT');
    assert.equal(txt.source, 'operator');
    assert.deepEqual(txt.values, []);
    assert.equal(txt.ttl, 60, 'operator TTL');
    assert.equal(plan.records.filter((r) => r.type === 'PTR').length, 0, 'no static sender, no PTR record');
    assert.ok(plan.manual.some((s) => s.kind === 'info' && /PTR/.test(s.subject)));
    assert.ok(plan.warnings.some((w) => /operator/.test(w) && /SPF/.test(w)));
    // the A record is the operator's too (hostPort)
    assert.equal(rec(plan, H, 'A').source, 'operator');
  });

  test('nodeIps with the operator but static extras: the static part is kept for the operator to extend', () => {
    const plan = planDns(cfg({ egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true }, spf: { extraIps: ['198.51.100.0/24'], include: ['spf.example.net'] } } }));
    assert.equal(plan.spf.source, 'operator');
    assert.deepEqual(plan.spf.senderIps, ['198.51.100.0/24']);
    assert.deepEqual(plan.spf.includes, ['spf.example.net']);
    assert.equal(plan.spf.lookups, 1);
  });

  const gw = { mode: 'ciliumGateway', nodeSelector: { 'mailu.example.com/egress': 'true' } };

  test('ciliumGateway: publicIPs are the senders (egressIP is the inside address)', () => {
    const plan = planDns(cfg({ egress: { ...gw, egressIP: '10.0.0.9', publicIPs: ['198.51.100.20'] }, dns: { addresses: ['203.0.113.10'] } }));
    assert.equal(plan.spf.value, 'v=spf1 ip4:198.51.100.20 ~all');
    assert.deepEqual(plan.manual.filter((s) => s.kind === 'ptr').map((s) => s.subject), ['198.51.100.20']);
    // the gateway address is not an address of the MX host: its PTR cannot be forward-confirmed
    assert.ok(plan.warnings.some((w) => /198\.51\.100\.20/.test(w) && /FCrDNS/.test(w)), plan.warnings.join('\n'));
  });

  test('ciliumGateway: egressIP alone is the sender; a private one is flagged', () => {
    const pub = planDns(cfg({ egress: { ...gw, egressIP: '203.0.113.10' } }));
    assert.equal(pub.spf.value, 'v=spf1 ip4:203.0.113.10 ~all');
    assert.deepEqual(pub.warnings, []);
    const priv = planDns(cfg({ egress: { ...gw, egressIP: '10.0.0.9' } }));
    assert.equal(priv.spf.value, 'v=spf1 ip4:10.0.0.9 ~all');
    assert.ok(priv.warnings.some((w) => w.startsWith('egress.egressIP: 10.0.0.9 is a private (RFC 1918) address')), priv.warnings.join('\n'));
  });

  test('ciliumGateway with IPv6 pods: caveat without ipv6Addresses, ip6 terms and PTRs with them', () => {
    const without = planDns(cfg({ cluster: { podCidr6: 'fd00:42::/56', serviceCidr6: 'fd00:43::/112' }, egress: { ...gw, publicIPs: ['203.0.113.10'] } }));
    assert.ok(without.warnings.some((w) => /egress\.ipv6Addresses/.test(w) && /1\.18/.test(w)), without.warnings.join('\n'));
    assert.equal(without.spf.value, 'v=spf1 ip4:203.0.113.10 ~all');

    const withV6 = planDns(cfg({ cluster: { podCidr6: 'fd00:42::/56', serviceCidr6: 'fd00:43::/112' }, egress: { ...gw, publicIPs: ['203.0.113.10'], ipv6Addresses: ['2001:db8:1::7'] } }));
    assert.ok(!withV6.warnings.some((w) => /egress\.ipv6Addresses/.test(w)));
    assert.equal(withV6.spf.value, 'v=spf1 ip4:203.0.113.10 ip6:2001:db8:1::7 ~all');
    const ptr6 = rec(withV6, reverseNameOf('2001:db8:1::7'), 'PTR');
    assert.deepEqual(ptr6.values, [`${H}.`]);
    assert.ok(ptr6.name.endsWith('.ip6.arpa'));
  });

  test('relay: the provider include plus user includes, no PTR step', () => {
    const relay = { mode: 'relay', host: 'smtp.relay.example.net', secret: { name: 'relay-auth' }, spfInclude: ['spf.relay.example.net'] };
    const plan = planDns(cfg({ egress: relay, dns: { spf: { include: ['spf.example.org'] } } }));
    assert.equal(plan.spf.value, 'v=spf1 include:spf.relay.example.net include:spf.example.org ~all');
    assert.equal(plan.spf.lookups, 2);
    assert.deepEqual(plan.spf.includes, ['spf.relay.example.net', 'spf.example.org']);
    assert.equal(plan.manual.filter((s) => s.kind === 'ptr').length, 0);
    assert.equal(plan.records.filter((r) => r.type === 'PTR').length, 0);

    const bare = planDns(cfg({ egress: { ...relay, spfInclude: [] } }));
    assert.equal(bare.spf.source, 'manual');
    assert.equal(bare.spf.value, '');
    assert.deepEqual(rec(bare, D, 'TXT').values, []);
    assert.ok(bare.warnings.some((w) => /egress\.spfInclude/.test(w)), bare.warnings.join('\n'));
  });

  test('dns.spf.extraIps: addresses and ranges of either family go into SPF, not into PTR steps', () => {
    const plan = planDns(cfg({ dns: { spf: { extraIps: ['2001:db8:ff::/48', '198.51.100.0/24', '192.0.2.1'] } } }));
    assert.equal(plan.spf.value, 'v=spf1 ip4:192.0.2.1 ip4:203.0.113.10 ip4:198.51.100.0/24 ip6:2001:db8:ff::/48 ~all');
    assert.deepEqual(plan.manual.filter((s) => s.kind === 'ptr').map((s) => s.subject), ['203.0.113.10']);
  });
});

describe('SRV records follow the enabled ports', () => {
  test('every catalogue port enabled: all live with Mailu priorities', () => {
    const plan = planDns(cfg({ exposure: { mode: 'hostPort', ports: [25, 110, 143, 465, 587, 993, 995] } }));
    const want: Record<string, string> = {
      _submissions: `10 1 465 ${H}.`,
      _submission: `20 1 587 ${H}.`,
      _imaps: `10 1 993 ${H}.`,
      _imap: `20 1 143 ${H}.`,
      _pop3s: `10 1 995 ${H}.`,
      _pop3: `20 1 110 ${H}.`,
    };
    for (const [label, value] of Object.entries(want)) assert.deepEqual(rec(plan, `${label}._tcp.${D}`, 'SRV').values, [value], label);
    assert.deepEqual(plan.mailPorts, [25, 465, 587, 993, 143, 995, 110]);
  });

  test('without TLS only port 25 exists: every client service is "not available" and there is no autodiscover SRV', () => {
    const plan = planDns(cfg({ tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25] } }));
    const srv = plan.records.filter((r) => r.type === 'SRV');
    assert.equal(srv.length, 6);
    for (const r of srv) assert.deepEqual(r.values, ['0 0 0 .'], r.name);
    noRecord(plan, `_autodiscover._tcp.${D}`, 'SRV');
  });
});

describe('DMARC', () => {
  test('policy, report addresses and alignment modes; external report domains get an authorisation record each', () => {
    const plan = planDns(cfg({ dns: { dmarc: { policy: 'quarantine', rua: 'agg@reports.example.net', ruf: 'forensic@example.org', adkim: 'r', aspf: 's' } } }));
    assert.deepEqual(rec(plan, `_dmarc.${D}`, 'TXT').values, [
      'v=DMARC1; p=quarantine; rua=mailto:agg@reports.example.net; ruf=mailto:forensic@example.org; adkim=r; aspf=s',
    ]);
    for (const rd of ['reports.example.net', 'example.org']) {
      const auth = rec(plan, `${D}._report._dmarc.${rd}`, 'TXT');
      assert.deepEqual(auth.values, ['v=DMARC1;']);
      assert.equal(auth.source, 'static');
      assert.match(auth.purpose, new RegExp(`zone of ${rd.replace(/\./g, '\\.')}`));
    }
  });

  test('no rua/ruf: just the policy', () => {
    const plan = planDns(cfg({ dns: { dmarc: { rua: undefined } } }));
    assert.deepEqual(rec(plan, `_dmarc.${D}`, 'TXT').values, ['v=DMARC1; p=reject; adkim=s; aspf=s']);
  });

  test('report domains in the same tree need no consent', () => {
    assert.deepEqual(externalReportDomains('example.com', ['a@example.com', 'b@dmarc.example.com', 'c@EXAMPLE.net']), ['example.net']);
    assert.deepEqual(externalReportDomains('mail.example.com', ['a@example.com']), []);
  });
});

describe('MTA-STS', () => {
  test('enabled: the _mta-sts TXT with the configured id and the policy host CNAME', () => {
    const plan = planDns(cfg({ dns: { mtaSts: { enabled: true, id: '20240601', mode: 'enforce' } } }));
    assert.deepEqual(rec(plan, `_mta-sts.${D}`, 'TXT').values, ['v=STSv1; id=20240601']);
    assert.deepEqual(rec(plan, `mta-sts.${D}`, 'CNAME').values, [`${H}.`]);
  });
});

describe('who publishes the A record', () => {
  test('static addresses: static A/AAAA', () => {
    const plan = planDns(cfg({ dns: { addresses: ['2001:db8::10', '203.0.113.10'] } }));
    assert.equal(rec(plan, H, 'A').source, 'static');
    assert.deepEqual(rec(plan, H, 'AAAA').values, ['2001:db8::10']);
    assert.deepEqual(plan.frontAddresses, ['203.0.113.10', '2001:db8::10']);
  });

  test('hostPort with the operator: operator-owned, empty, with the operator TTL', () => {
    const plan = planDns(cfg({ dns: { addresses: [], operator: { enabled: true, ttl: 45 } } }));
    const a = rec(plan, H, 'A');
    assert.equal(a.source, 'operator');
    assert.deepEqual(a.values, []);
    assert.equal(a.ttl, 45);
    assert.deepEqual(plan.frontAddresses, []);
    assert.ok(!plan.warnings.some((w) => /by hand/.test(w)));
  });

  test('external-dns pod source: operator-owned (not static)', () => {
    const plan = planDns(cfg({ dns: { addresses: [], externalDns: { podSource: true } } }));
    assert.equal(rec(plan, H, 'A').source, 'operator');
    assert.match(rec(plan, H, 'A').purpose, /external-dns/);
  });

  test('nobody: a manual record and a warning that it must be published by hand', () => {
    const plan = planDns(cfg({ dns: { addresses: [] } }));
    assert.equal(rec(plan, H, 'A').source, 'manual');
    assert.ok(plan.warnings.some((w) => /mail\.example\.com must be published by hand/.test(w)), plan.warnings.join('\n'));
  });

  test('loadBalancer exposure: the operator (there for SPF) does not own the A record', () => {
    const plan = planDns(cfg({ exposure: { mode: 'loadBalancer' }, egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true } } }));
    assert.equal(rec(plan, H, 'A').source, 'manual');
    assert.ok(plan.warnings.some((w) => /by hand/.test(w) && /LoadBalancer/.test(w)), plan.warnings.join('\n'));
  });

  test('further hostnames: a manual step each, or operator records with allHostnames; alias names are skipped', () => {
    const hostnames = [H, 'webmail.example.com', 'autoconfig.example.com'];
    const plain = planDns(cfg({ hostnames }));
    const info = plain.manual.filter((s) => s.kind === 'info').map((s) => s.subject);
    assert.deepEqual(info, ['webmail.example.com']);
    noRecord(plain, 'autoconfig.example.com', 'A');

    const op = planDns(cfg({ hostnames, dns: { addresses: [], operator: { enabled: true, allHostnames: true } } }));
    assert.equal(rec(op, 'webmail.example.com', 'A').source, 'operator');
    noRecord(op, 'autoconfig.example.com', 'A');
    assert.equal(rec(op, 'autoconfig.example.com', 'CNAME').source, 'static');
  });
});

describe('SPF limits are errors naming the field', () => {
  const includes = (n: number) => Array.from({ length: n }, (_, i) => `spf${i}.example.net`);

  test('10 includes are fine, 11 are refused by checkDnsPlan and planDns', () => {
    assert.deepEqual(checkDnsPlan(rawCfg({ dns: { spf: { include: includes(10) } } })).issues, []);
    const bad = rawCfg({ dns: { spf: { include: includes(11) } } });
    const issues = checkDnsPlan(bad).issues;
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'dns.spf.include');
    assert.match(issues[0]!.message, /11 include: lookups/);
    assert.throws(
      () => planDns(bad),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'dns.spf.include') && /dns\.spf\.include: /.test(e.message),
    );
  });

  test('relay includes count too, and the message says where they come from', () => {
    const relay = { mode: 'relay', host: 'smtp.relay.example.net', secret: { name: 'relay-auth' }, spfInclude: includes(3).map((d) => `r${d}`) };
    const issues = checkDnsPlan(rawCfg({ egress: relay, dns: { spf: { include: includes(8) } } })).issues;
    assert.equal(issues[0]?.path, 'dns.spf.include');
    assert.match(issues[0]!.message, /3 from egress\.spfInclude, 8 from dns\.spf\.include/);
  });

  test('also with the operator owning SPF, the static includes are checked', () => {
    const issues = checkDnsPlan(rawCfg({ egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true }, spf: { include: includes(11) } } })).issues;
    assert.equal(issues[0]?.path, 'dns.spf.include');
  });

  const ips = (n: number) => Array.from({ length: n }, (_, i) => `198.51.100.${i + 1}`);

  test('a record over 450 bytes with its name is refused, naming the field that fills it', () => {
    const bad = rawCfg({ dns: { spf: { extraIps: ips(25) } } });
    const issues = checkDnsPlan(bad).issues;
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'dns.spf.extraIps');
    assert.match(issues[0]!.message, /bytes with its name, over the 450/);
    assert.throws(() => planDns(bad), ConfigError);
  });

  test('a record between 255 and 450 bytes is split into <=255-byte strings', () => {
    const plan = planDns(cfg({ dns: { spf: { extraIps: ips(18) } } }));
    assert.ok(plan.spf.bytes > 255 && plan.spf.bytes + D.length <= 450, `${plan.spf.bytes} bytes`);
    assert.equal(plan.spf.strings.length, 2);
    for (const s of plan.spf.strings) assert.ok(Buffer.byteLength(s) <= 255);
    assert.equal(plan.spf.strings.join(''), plan.spf.value);
    // the record holds the whole value; splitting is the renderers' job
    assert.deepEqual(rec(plan, D, 'TXT').values, [plan.spf.value]);
  });

  test('many egress addresses: the error names egress.addresses', () => {
    const issues = checkDnsPlan(rawCfg({ egress: { mode: 'nodeIps', addresses: ips(30) } })).issues;
    assert.equal(issues[0]?.path, 'egress.addresses');
  });
});

describe('reverse names', () => {
  test('IPv4 and IPv6 agree with an independent implementation', () => {
    for (const ip of ['203.0.113.10', '10.0.0.1', '2001:db8::1', '2001:db8:1:2:3:4:5:6', '::ffff:198.51.100.1']) {
      const mapped = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      assert.equal(reverseName(ip), reverseNameOf(mapped), ip);
    }
    assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });
});

describe('DMARC report size limits', () => {
  test('a "!size" suffix on rua/ruf reaches the record (RFC 7489 §6.2)', () => {
    const plan = planDns(cfg({ dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'mailto:reports@example.com!10m', ruf: 'forensic@example.com' } } }));
    const rec = plan.records.find((r) => r.name === '_dmarc.example.com')!;
    assert.match(rec.values[0]!, /rua=mailto:reports@example\.com!10m; ruf=mailto:forensic@example\.com;/);
  });
});
