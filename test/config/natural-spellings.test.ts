// Natural spellings: a YAML number for a Traefik minor version, YAML booleans and numbers in
// mailu.env (written back as text, from YAML exactly as typed), a relay without credentials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, parseConfigYaml } from '../../src/validation/index.js';
import { stringify } from 'yaml';
import { BASE, cfg, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const YAML_BASE = `
domain: example.com
hostnames: [mail.example.com]
cluster: { podCidr: 10.42.0.0/16 }
tls: { source: certManager, issuer: { name: letsencrypt } }
dns: { addresses: [203.0.113.10] }
`;
const yaml = (extra: string) => parseConfigYaml(`${YAML_BASE}${extra}`).config;
const TRAEFIK_YAML = (t: string) => `egress: { addresses: [203.0.113.10] }\nweb: { kind: traefik }\nexposure: { mode: traefik, traefik: { trustedProxyCidrs: [10.42.0.0/16], ${t} } }\n`;
const traefikOf = (c: ReturnType<typeof parseConfig>) => {
  assert.equal(c.exposure.mode, 'traefik');
  return (c.exposure as Extract<typeof c.exposure, { mode: 'traefik' }>).traefik;
};

describe('exposure.traefik.minorVersion takes numbers', () => {
  it('7 → "7" and 5.2 → "5.2" (objects and YAML)', () => {
    const lib = (minorVersion: number) => traefikOf(parseConfig(cfg({ web: { kind: 'traefik' }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/16'], minorVersion } } })));
    assert.equal(lib(7).minorVersion, '7');
    assert.equal(lib(5.2).minorVersion, '5.2');
    assert.equal(traefikOf(yaml(TRAEFIK_YAML('minorVersion: 7'))).minorVersion, '7');
  });

  it('YAML 5.10 keeps its digits ("5.10", i.e. 3.5.10, not 3.5.1)', () => {
    assert.equal(traefikOf(yaml(TRAEFIK_YAML('minorVersion: 5.10'))).minorVersion, '5.10');
  });

  it('the decision follows the digits typed: 3.5.10 uses ServersTransportTCP, 3.5.1 does not', () => {
    const kinds = (t: string) => {
      const text = `${YAML_BASE}${TRAEFIK_YAML(t)}`;
      return render(parseConfigYaml(text).config).objects.map((o) => o.kind);
    };
    assert.ok(kinds('minorVersion: 5.10').includes('ServersTransportTCP'));
    assert.ok(!kinds('minorVersion: 5.1').includes('ServersTransportTCP'));
  });

  it('anything else is refused with the form to write', () => {
    const m = messageAt(cfg({ web: { kind: 'traefik' }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/16'], minorVersion: 'latest' } } }), 'exposure.traefik.minorVersion');
    assert.match(m, /"latest" is not "minor" or "minor\.patch", e\.g\. "5\.2"/);
  });
});

describe('mailu.env: booleans and numbers are written as strings', () => {
  it('DISABLE_STATISTICS: true and DEFAULT_SPAM_THRESHOLD: 90 reach the ConfigMap as "true" and "90"', () => {
    const c = yaml('egress: { addresses: [203.0.113.10] }\nmailu: { env: { DISABLE_STATISTICS: true, DEFAULT_SPAM_THRESHOLD: 90 } }\n');
    assert.deepEqual(c.mailu.env, { DISABLE_STATISTICS: 'true', DEFAULT_SPAM_THRESHOLD: '90' });
    const env = render(c).env();
    assert.equal(env.DISABLE_STATISTICS, 'true');
    assert.equal(env.DEFAULT_SPAM_THRESHOLD, '90');
  });

  it('from YAML the text is kept as typed (1.10 stays "1.10"); from objects numbers are converted', () => {
    assert.equal(yaml('egress: { addresses: [203.0.113.10] }\nmailu: { env: { SITENAME: 1.10 } }\n').mailu.env.SITENAME, '1.10');
    assert.deepEqual(parseConfig(cfg({ mailu: { env: { DISABLE_STATISTICS: false, AUTH_RATELIMIT_EXEMPTION_LENGTH: 5e4 } as never } })).mailu.env, { DISABLE_STATISTICS: 'false', AUTH_RATELIMIT_EXEMPTION_LENGTH: '50000' });
  });

  it('an empty value (YAML null) is refused with how to write one', () => {
    assert.throws(
      () => yaml('egress: { addresses: [203.0.113.10] }\nmailu: { env: { SITENAME: } }\n'),
      /mailu\.env\.SITENAME: must be text, a number or true\/false \(write "" for an empty value\)/,
    );
  });

  it('numbers elsewhere stay numbers (dns.ttl), booleans stay booleans (components.webdav)', () => {
    const c = yaml('egress: { addresses: [203.0.113.10] }\ncomponents: { webdav: true }\n');
    assert.equal(c.components.webdav, true);
    assert.equal(yaml('egress: { addresses: [203.0.113.10] }\n').dns.ttl, 600);
  });
});

describe('a relay that admits the cluster by address needs no credentials', () => {
  it('egress.secret may be left out: no RELAYUSER/RELAYPASSWORD, RELAYHOST still set', () => {
    const config = cfg({ egress: { mode: 'relay', host: 'smtp.relay.example.net', spfInclude: ['spf.relay.example.net'] } });
    const c = parseConfig(config);
    assert.ok(c.egress.mode === 'relay' && c.egress.secret === undefined);
    const r = render(config);
    assert.equal(r.env().RELAYHOST, '[smtp.relay.example.net]:587');
    const names = (r.container('smtp').env ?? []).map((e) => e.name);
    assert.ok(!names.includes('RELAYUSER') && !names.includes('RELAYPASSWORD'), names.join(','));
  });

  it('with a secret the credentials are referenced', () => {
    const r = render(cfg({ egress: { mode: 'relay', host: 'smtp.relay.example.net', secret: { name: 'relay' } } }));
    const env = r.container('smtp').env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'RELAYUSER')?.valueFrom?.secretKeyRef, { name: 'relay', key: 'username' });
  });
});

describe('ports written as YAML strings', () => {
  it('"587" is the port 587; text that is no port is refused naming the field', () => {
    const { config } = parseConfigYaml(stringify({ ...BASE, egress: { mode: 'relay', host: 'relay.example.net', port: '587' } }));
    assert.equal(config.egress.mode === 'relay' && config.egress.port, 587);
    assert.match(messageAt({ ...BASE, egress: { mode: 'relay', host: 'relay.example.net', port: 'smtp' } }, 'egress.port'), /"smtp" is not a port number from 1 to 65535/);
    assert.match(messageAt({ ...BASE, egress: { mode: 'relay', host: 'relay.example.net', port: 70000 } }, 'egress.port'), /not a port number/);
  });
});
