// Wrong values are refused (IP literals as mail names, unknown time zones, CIDRs with host bits)
// or warned about (private and other unreachable addresses in public A/AAAA and SPF records).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { BASE, cfg, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

describe('IP literals are not mail names', () => {
  it('domain: 192.0.2.1 is refused (it would become "MX 10 192.0.2.1.")', () => {
    assert.match(messageAt(cfg({ domain: '192.0.2.1' }), 'domain'), /"192\.0\.2\.1" is an IP address, not a DNS name; the mail domain must be a name/);
  });

  it('hostnames: [192.0.2.1] is refused, pointing at an A record instead', () => {
    assert.match(messageAt(cfg({ hostnames: ['192.0.2.1'] }), 'hostnames[0]'), /a mail hostname must be a name .* A record pointing at 192\.0\.2\.1/);
    assert.match(messageAt(cfg({ hostnames: ['mail.example.com', 'mail.example.123'] }), 'hostnames[1]'), /last label is all digits/);
  });

  it('names with digits elsewhere are fine', () => {
    assert.deepEqual(parseConfig(cfg({ hostnames: ['mx1.example.com', '123.example.com'] })).hostnames, ['mx1.example.com', '123.example.com']);
  });
});

describe('time zones come from the tz database', () => {
  for (const tz of ['Europe/Berlin', 'Etc/UTC', 'UTC', 'America/Argentina/Buenos_Aires', 'US/Eastern', 'Asia/Kolkata', 'Etc/GMT+5']) {
    it(`${tz} is accepted`, () => assert.equal(parseConfig(cfg({ timezone: tz })).timezone, tz));
  }

  it('the default stays Etc/UTC and reaches TZ', () => {
    assert.equal(parseConfig(cfg({})).timezone, 'Etc/UTC');
    assert.equal(render(cfg({ timezone: 'Europe/Berlin' })).env().TZ, 'Europe/Berlin');
  });

  it('timezone: Berlin suggests Europe/Berlin; wrong case and typos get the real name', () => {
    assert.equal(messageAt(cfg({ timezone: 'Berlin' }), 'timezone'), '"Berlin" is not a tz database time zone; did you mean Europe/Berlin?');
    assert.match(messageAt(cfg({ timezone: 'europe/berlin' }), 'timezone'), /did you mean Europe\/Berlin\?/);
    assert.match(messageAt(cfg({ timezone: 'Europe/Berln' }), 'timezone'), /did you mean Europe\/Berlin\?/);
    assert.match(messageAt(cfg({ timezone: 'New York' }), 'timezone'), /did you mean America\/New_York\?/);
  });

  it('something unrelated gets examples', () => {
    assert.match(messageAt(cfg({ timezone: 'Mars/Olympus_Mons' }), 'timezone'), /is not a tz database time zone \(e\.g\. Europe\/Berlin/);
  });
});

describe('CIDRs with host bits set are refused with the network to write', () => {
  const cases: [string, MailuConfigInput, string, string][] = [
    ['cluster.podCidr', cfg({ cluster: { podCidr: '10.42.0.1/16' } }), 'cluster.podCidr', '10.42.0.0/16'],
    ['cluster.serviceCidr', cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.7.1/16' } }), 'cluster.serviceCidr', '10.43.0.0/16'],
    ['cluster.podCidr6', cfg({ cluster: { podCidr: '10.42.0.0/16', podCidr6: 'fd00:42::5/56' } }), 'cluster.podCidr6', 'fd00:42::/56'],
    ['web.realIpFrom', cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['10.0.5.9/24'] } }), 'web.realIpFrom[0]', '10.0.5.0/24'],
    ['mailu.rateLimits.exemption', cfg({ mailu: { rateLimits: { exemption: ['192.168.1.10/24'] } } }), 'mailu.rateLimits.exemption[0]', '192.168.1.0/24'],
    ['exposure.traefik.trustedProxyCidrs', cfg({ web: { kind: 'traefik' }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.3.3/24'] } } }), 'exposure.traefik.trustedProxyCidrs[0]', '10.42.3.0/24'],
    ['dns.spf.extraIps', cfg({ dns: { addresses: ['203.0.113.10'], spf: { extraIps: ['203.0.113.7/24'] } } }), 'dns.spf.extraIps[0]', '203.0.113.0/24'],
  ];
  for (const [name, config, path, canonical] of cases) {
    it(name, () => {
      const m = messageAt(config, path);
      assert.match(m, /has host bits set; did you mean /);
      assert.ok(m.endsWith(`did you mean ${canonical}?`), m);
    });
  }

  it('canonical CIDRs and single SPF addresses are accepted; shorthand addresses are refused', () => {
    const c = parseConfig(cfg({ dns: { addresses: ['203.0.113.10'], spf: { extraIps: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/48'] } } }));
    assert.deepEqual(c.dns.spf.extraIps, ['203.0.113.7', '198.51.100.0/24', '2001:db8::/48']);
    assert.match(messageAt(cfg({ cluster: { podCidr: '10.42/16' } }), 'cluster.podCidr'), /four decimal numbers/);
    assert.match(messageAt(cfg({ dns: { addresses: ['203.0.113.10'], spf: { extraIps: ['not-an-ip'] } } }), 'dns.spf.extraIps[0]'), /not an IP address/);
  });
});

describe('unreachable addresses in public records are warned about', () => {
  const warnings = (config: MailuConfigInput) => parseConfigWithWarnings(config).warnings;
  const ofPath = (ws: string[], path: string) => ws.filter((w) => w.startsWith(`${path}:`));

  for (const [addr, range] of [
    ['10.0.0.5', /private \(RFC 1918\)/],
    ['192.168.1.20', /private/],
    ['100.64.3.4', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['169.254.10.1', /link-local/],
    ['fd00::25', /unique local/],
    ['fe80::1', /link-local/],
  ] as const) {
    it(`dns.addresses: ${addr} (A/AAAA of the primary hostname)`, () => {
      const w = ofPath(warnings(cfg({ dns: { addresses: [addr] } })), 'dns.addresses[0]');
      assert.equal(w.length, 1, w.join('\n'));
      assert.match(w[0]!, range);
      assert.match(w[0]!, /public A\/AAAA record of mail\.example\.com/);
    });
  }

  it('SPF senders: egress.addresses, egress.publicIPs, egress.ipv6Addresses, dns.spf.extraIps', () => {
    assert.equal(ofPath(warnings(cfg({ egress: { mode: 'nodeIps', addresses: ['10.1.2.3'] } })), 'egress.addresses').length, 1);
    const gw = warnings(cfg({ egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' }, publicIPs: ['192.168.0.9'], ipv6Addresses: ['fd00::9'] } }));
    assert.equal(ofPath(gw, 'egress.publicIPs').length, 1, gw.join('\n'));
    assert.equal(ofPath(gw, 'egress.ipv6Addresses').length, 1, gw.join('\n'));
    assert.equal(ofPath(warnings(cfg({ dns: { addresses: ['203.0.113.10'], spf: { extraIps: ['100.64.0.0/10'] } } })), 'dns.spf.extraIps').length, 1);
  });

  it('documentation and public addresses are not warned about (the README examples use 203.0.113.x)', () => {
    assert.deepEqual(warnings(BASE), []);
    const w = warnings(cfg({ dns: { addresses: ['198.51.100.7', '2001:db8::7', '8.8.8.8'] }, egress: { mode: 'nodeIps', addresses: ['198.51.100.7'] } }));
    assert.deepEqual(w.filter((x) => /dns\.addresses|egress\.addresses/.test(x) && /private|loopback|link-local|NAT|unique local/.test(x)), []);
  });

  it('a warning does not stop synthesis', () => {
    const r = render(cfg({ dns: { addresses: ['10.0.0.5'] } }));
    assert.ok(r.warnings.some((w) => w.startsWith('dns.addresses[0]: 10.0.0.5 is a private')));
    assert.ok(r.objects.length > 10);
  });
});

describe('a value of the wrong kind is named in YAML words', () => {
  it('a single value where a list goes: the fix is shown', () => {
    assert.equal(
      messageAt(cfg({ hostnames: 'mail.example.com' as never }), 'hostnames'),
      'must be a list: write ["mail.example.com"], or one "- item" line per entry (got the single value "mail.example.com")',
    );
    assert.match(messageAt(cfg({ domains: 'example.net' as never }), 'domains'), /^must be a list: write \["example\.net"\]/);
  });

  it('a name where a block of keys goes, text where a number goes', () => {
    assert.equal(messageAt(cfg({ dns: { ttl: '600s' as never } }), 'dns.ttl'), 'must be a number (got "600s")');
    const secret = { operator: { enabled: true, mailuApi: { enabled: true, secret: 'mailu-api' } } };
    assert.equal(messageAt(cfg({ dns: secret as never }), 'dns.operator.mailuApi.secret'), 'must be a block of keys, e.g. { name: … } (got "mailu-api")');
  });

  it('a schema\'s own message for a key stays (moved keys)', () => {
    assert.match(messageAt(cfg({ web: { kind: 'traefik', namespace: 'kube-system' } as never }), 'web.namespace'), /moved to cluster\.traefikNamespace/);
  });
});
