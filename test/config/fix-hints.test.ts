// Errors say how to fix it: database/Redis hosts (short Service names are valid), Traefik versions
// written as "v3.3", Mailu's and the Helm chart's names in did-you-mean with the valid keys listed,
// overlapping cluster ranges with where to look, DMARC's mailto: form, postfix's "[relay]:587".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/validation/index.js';
import { planDns } from '../../src/dns/plan.js';
import { BASE, cfg, render } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const pg = (host: string) => cfg({ database: { type: 'postgresql', host, secret: { name: 'db' } } });
const traefik = (t: Record<string, unknown>) =>
  cfg({ web: { kind: 'traefik' }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/16'], ...t } as never } });
const traefikOut = (t: Record<string, unknown>) => {
  const x = parseConfig(traefik(t)).exposure;
  assert.ok(x.mode === 'traefik');
  return x.traefik;
};

describe('database.host and redis.host take Service names', () => {
  for (const host of ['postgres-rw', 'postgres-rw.databases', 'postgres-rw.databases.svc', 'db.example.net', '10.0.5.7', 'Postgres-RW.Databases.']) {
    it(`"${host}" is accepted`, () => {
      const c = parseConfig(pg(host));
      assert.ok(c.database.type === 'postgresql');
      assert.equal(c.database.host, host.toLowerCase().replace(/\.$/, ''));
    });
  }

  it('a short name reaches DB_HOST as written (pods search their namespace and svc.<cluster domain>)', () => {
    const r = render(pg('postgres-rw'));
    assert.equal(r.env().DB_HOST, 'postgres-rw:5432');
    assert.deepEqual(r.podSpec('admin').dnsConfig?.searches?.slice(0, 2), ['mailu.svc.cluster.local', 'svc.cluster.local']);
  });

  it('what is wrong is said: underscores, a port, a URL', () => {
    assert.match(messageAt(pg('postgres_rw'), 'database.host'), /"postgres_rw" is not a host: write a Service name \(e\.g\. postgres-rw, or postgres-rw\.databases from another namespace\), a DNS name or an IP address/);
    assert.match(messageAt(pg('postgres-rw:5433'), 'database.host'), /put the port in database\.port \(port: 5433\) and write only the host \("postgres-rw"\)/);
    assert.match(messageAt(pg('postgresql://mailu:pw@db.example.net:5432/mailu'), 'database.host'), /is a URL; write only the host \("db\.example\.net"\) and put the port in database\.port/);
    assert.match(messageAt(cfg({ redis: { mode: 'external', host: 'redis:6380' } }), 'redis.host'), /put the port in redis\.port/);
  });

  it('redis.host takes a Service in another namespace', () => {
    const c = parseConfig(cfg({ redis: { mode: 'external', host: 'redis-master.redis' } }));
    assert.ok(c.redis.mode === 'external' && c.redis.host === 'redis-master.redis');
  });
});

describe('exposure.traefik.version', () => {
  it('3, "3", "v3", 2 and "v2" give the major', () => {
    for (const v of [3, '3', 'v3', 'V3']) assert.equal(traefikOut({ version: v }).version, 3, String(v));
    for (const v of [2, 'v2']) assert.equal(traefikOut({ version: v, minorVersion: '11' }).version, 2, String(v));
  });

  it('"v3.3" and "3.5.2" set minorVersion when it is not set', () => {
    assert.deepEqual([traefikOut({ version: 'v3.3' }).version, traefikOut({ version: 'v3.3' }).minorVersion], [3, '3']);
    assert.equal(traefikOut({ version: '3.5.2' }).minorVersion, '5.2');
    assert.equal(traefikOut({ version: 'v3.5', minorVersion: '5' }).minorVersion, '5', 'agreeing values are fine');
  });

  it('a minor in both places that disagrees, an unknown major and words are refused with the fix', () => {
    assert.match(messageAt(traefik({ version: 'v3.3', minorVersion: '5.2' }), 'exposure.traefik.version'), /says minor 3 but minorVersion is "5\.2": write the major here \(3\) and the minor only in minorVersion/);
    assert.match(messageAt(traefik({ version: 1 }), 'exposure.traefik.version'), /Traefik 1 is not supported/);
    assert.match(messageAt(traefik({ version: 'latest' }), 'exposure.traefik.version'), /"latest" is not a Traefik version: write 3 or 2/);
  });
});

describe('unknown keys: Mailu\'s and the Helm chart\'s names, and the valid keys', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['components.clamav', cfg({ components: { clamav: false } as never }), 'components.clamav', /did you mean "antivirus"\? Mailu's clamav is called antivirus here\); valid keys: webmail, admin, antivirus, webdav, fetchmail, oletools, tika$/],
    ['resources.dovecot', cfg({ resources: { dovecot: { limits: { memory: '1Gi' } } } as never }), 'resources.dovecot', /did you mean "imap"\?.*; valid keys: front, admin, smtp, imap, antispam/],
    ['resources.postfix', cfg({ resources: { postfix: {} } as never }), 'resources.postfix', /did you mean "smtp"\?/],
    ['storage.sizes.rspamd', cfg({ storage: { sizes: { rspamd: '1Gi' } } as never }), 'storage.sizes.rspamd', /did you mean "antispam"\?/],
    ['resources.nginx', cfg({ resources: { nginx: {} } as never }), 'resources.nginx', /did you mean "front"\?/],
    ['resources.unbound', cfg({ resources: { unbound: {} } as never }), 'resources.unbound', /did you mean "resolver"\?/],
    ['resources.radicale', cfg({ resources: { radicale: {} } as never }), 'resources.radicale', /did you mean "webdav"\?/],
    ['resources.snappymail', cfg({ resources: { snappymail: {} } as never }), 'resources.snappymail', /did you mean "webmail"\?/],
    ['components.roundcube', cfg({ components: { roundcube: true } as never }), 'components.roundcube', /components\.webmail: roundcube/],
    ['components.dovecot (always on)', cfg({ components: { dovecot: true } as never }), 'components.dovecot', /imap \(Mailu's dovecot\) always runs; it has no switch/],
    ['components.redis', cfg({ components: { redis: false } as never }), 'components.redis', /top-level redis block/],
    ['top-level subnet (Helm)', { ...BASE, subnet: '10.42.0.0/16' }, 'subnet', /the Helm chart's subnet is cluster\.podCidr here/],
    ['top-level clamav (Helm)', { ...BASE, clamav: { enabled: false } }, 'clamav', /switched by components\.antivirus/],
    ['top-level persistence (Helm)', { ...BASE, persistence: { size: '100Gi' } }, 'persistence', /is storage here/],
    ['a typo keeps its edit-distance hint', cfg({ components: { antivrus: false } as never }), 'components.antivrus', /did you mean "antivirus"\?/],
  ];
  for (const [name, config, path, re] of cases) {
    it(name, () => assert.match(messageAt(config, path), re));
  }

  it('every unknown-key error lists the valid keys, with or without a hint', () => {
    assert.match(messageAt({ ...BASE, frobnicate: 1 }, 'frobnicate'), /^unknown key; valid keys: instance, domain, hostnames, .*\bdns\b/);
    assert.match(messageAt(cfg({ dns: { dmarc: { polcy: 'none' } } as never }), 'dns.dmarc.polcy'), /\(did you mean "policy"\?\); valid keys: policy, rua, ruf, adkim, aspf$/);
  });
});

describe('overlapping cluster ranges say what to set', () => {
  it('Cilium\'s default pool next to the default service range', () => {
    const m = messageAt(cfg({ cluster: { podCidr: '10.0.0.0/8' } }), 'cluster.serviceCidr');
    assert.match(m, /10\.43\.0\.0\/16 overlaps cluster\.podCidr 10\.0\.0\.0\/8 \(10\.0\.0\.0\/8 is Cilium's default cluster-pool\)/);
    assert.match(m, /Set cluster\.serviceCidr to the cluster's service range/);
    assert.match(m, /or cluster\.podCidr to the pod range actually used/);
    assert.match(m, /cluster\.distribution: k3s/);
  });

  it('any overlap gets the advice, without the Cilium note', () => {
    const m = messageAt(cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.42.128.0/17' } }), 'cluster.serviceCidr');
    assert.match(m, /overlaps cluster\.podCidr 10\.42\.0\.0\/16; /);
    assert.doesNotMatch(m, /Cilium's default/);
  });
});

describe('dns.dmarc.rua/ruf: the mailto: form DMARC uses', () => {
  it('mailto:a@b is normalised to the address; the record has one mailto:', () => {
    const c = parseConfig(cfg({ dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'mailto:dmarc@example.com', ruf: 'MAILTO:forensic@example.com' } } }));
    assert.equal(c.dns.dmarc.rua, 'dmarc@example.com');
    assert.equal(c.dns.dmarc.ruf, 'forensic@example.com');
    const txt = planDns(c).records.find((r) => r.name === '_dmarc.example.com')?.values[0] ?? '';
    assert.match(txt, /rua=mailto:dmarc@example\.com;/);
    assert.doesNotMatch(txt, /mailto:mailto:/);
    assert.equal(render(cfg({ dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'mailto:dmarc@example.com' } } })).env().DMARC_RUA, 'dmarc');
  });

  it('a size limit is kept beside the address (ruaSizeLimit)', () => {
    const c = parseConfig(cfg({ dns: { addresses: ['203.0.113.10'], dmarc: { rua: 'mailto:dmarc@example.com!10M' } } }));
    assert.equal(c.dns.dmarc.rua, 'dmarc@example.com');
    assert.equal(c.dns.dmarc.ruaSizeLimit, '10m');
  });

  it('a list, another scheme and a non-address are refused with the forms to write', () => {
    const at = (rua: string) => messageAt(cfg({ dns: { addresses: ['203.0.113.10'], dmarc: { rua } } }), 'dns.dmarc.rua');
    assert.match(at('mailto:a@example.com,mailto:b@example.com'), /one report address only/);
    assert.match(at('https://example.com/dmarc'), /is not a report address: write dmarc@example\.com or mailto:dmarc@example\.com/);
    assert.match(at('dmarc'), /is not a report address/);
  });
});

describe('egress.host in postfix\'s "[relay]:587" form', () => {
  const relay = (host: string) => cfg({ egress: { mode: 'relay', host } });
  it('says to put the port in egress.port and that the brackets are not needed', () => {
    assert.equal(
      messageAt(relay('[smtp.relay.example.net]:587'), 'egress.host'),
      '"[smtp.relay.example.net]:587": put the port in egress.port (port: 587) and write only the host ("smtp.relay.example.net"); the brackets are not needed',
    );
    assert.match(messageAt(relay('[smtp.relay.example.net]'), 'egress.host'), /without brackets \("smtp\.relay\.example\.net"\)/);
    assert.match(messageAt(relay('smtp.relay.example.net:2525'), 'egress.host'), /put the port in egress\.port \(port: 2525\)/);
  });

  it('the plain host is accepted and the port default applies', () => {
    const c = parseConfig(relay('smtp.relay.example.net'));
    assert.ok(c.egress.mode === 'relay' && c.egress.host === 'smtp.relay.example.net' && c.egress.port === 587);
  });
});
