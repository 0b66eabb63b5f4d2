// A partial block keeps its defaults: a union block without its selector (exposure.mode, web.kind,
// egress.mode, database.type, redis.mode, tls.source) takes the branch its keys belong to, else the
// documented default; when the keys leave the choice open the error lists the fitting values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigYaml } from '../../src/validation/index.js';
import type { MailuConfig } from '../../src/config/schema.js';
import { issuesOf } from '../support/config-issues.js';

const HEAD = `
domain: example.com
hostnames: [mail.example.com]
cluster: { podCidr: 10.42.0.0/16 }
`;
const TLS = 'tls: { source: certManager, issuer: { name: letsencrypt } }\n';

/** Parses the base document plus `extra` YAML (which may replace tls and egress). */
function parse(extra: string): MailuConfig {
  const tls = /^tls:/m.test(extra) ? '' : TLS;
  const dns = /^dns:/m.test(extra) ? '' : 'dns: { addresses: [203.0.113.10] }\n';
  const egress = /^egress:/m.test(extra) ? dns : `egress: { addresses: [203.0.113.10] }\n${dns}`;
  return parseConfigYaml(`${HEAD}${tls}${egress}${extra}`).config;
}
function refused(extra: string, path: string): string {
  const issues = issuesOf(() => parse(extra));
  const hit = issues.find((i) => i.path === path);
  assert.ok(hit, `an issue at ${path}; got ${JSON.stringify(issues)}`);
  return hit.message;
}

describe('a block without its selector takes the default branch, field by field', () => {
  it('exposure: {ports: [25, 465, 587, 993]} is hostPort (the issue\'s example)', () => {
    const x = parse('exposure: { ports: [25, 465, 587, 993] }\n').exposure;
    assert.equal(x.mode, 'hostPort');
    assert.deepEqual(x.ports, [25, 465, 587, 993]);
    assert.ok(x.mode === 'hostPort' && x.hostPort.daemonSet === false && Object.keys(x.hostPort.nodeSelector).length === 0);
  });

  it('exposure: {hostPort: {daemonSet: true}} keeps the default ports', () => {
    const x = parse('exposure: { hostPort: { daemonSet: true, nodeSelector: { front: "yes" } } }\n').exposure;
    assert.ok(x.mode === 'hostPort' && x.hostPort.daemonSet);
    assert.deepEqual(x.ports, [25, 465, 587, 993]);
  });

  it('egress: {addresses: [...]} is nodeIps; web: {} is none; database: {} is sqlite; redis: {} is bundled', () => {
    const c = parse('web: {}\ndatabase: {}\nredis: {}\n');
    assert.equal(c.egress.mode, 'nodeIps');
    assert.ok(c.egress.mode === 'nodeIps' && c.egress.addresses[0] === '203.0.113.10');
    assert.equal(c.web.kind, 'none');
    assert.equal(c.database.type, 'sqlite');
    assert.ok(c.redis.mode === 'bundled' && c.redis.image.startsWith('docker.io/library/redis'));
  });

  it('the nested blocks with defaults: dns, storage, components, mailu.rateLimits, secrets', () => {
    const c = parse('dns: { addresses: [203.0.113.10], dmarc: { policy: quarantine }, operator: {} }\nstorage: { sizes: { imap: 10Gi } }\ncomponents: { webdav: true }\nmailu: { rateLimits: { authIp: 10/hour } }\nsecrets: {}\n');
    assert.equal(c.dns.dmarc.policy, 'quarantine');
    assert.equal(c.dns.dmarc.adkim, 's');
    assert.equal(c.dns.operator.enabled, false);
    assert.equal(c.dns.ttl, 600);
    assert.equal(c.storage.sizes.imap, '10Gi');
    assert.equal(c.storage.sizes.admin, '2Gi');
    assert.equal(c.components.webdav, true);
    assert.equal(c.components.webmail, 'roundcube');
    assert.equal(c.mailu.rateLimits.authIp, '10/hour');
    assert.equal(c.mailu.rateLimits.message, '200/day');
    assert.equal(c.secrets.secretKey.key, 'secret-key');
  });
});

describe('the keys given choose the branch', () => {
  it('exposure: {traefik: {...}} is traefik, exposure: {loadBalancer: {}} is loadBalancer', () => {
    const t = parse('exposure: { traefik: { trustedProxyCidrs: [10.42.0.0/16] } }\nweb: { kind: traefik }\n').exposure;
    assert.ok(t.mode === 'traefik' && t.traefik.version === 3);
    const lb = parse('exposure: { loadBalancer: {} }\n').exposure;
    assert.ok(lb.mode === 'loadBalancer' && lb.loadBalancer.externalTrafficPolicy === 'Local');
  });

  it('egress: {host, secret} is relay; {nodeSelector, publicIPs} is ciliumGateway', () => {
    const relay = parse('egress: { host: smtp.relay.example.net, secret: { name: relay } }\n').egress;
    assert.ok(relay.mode === 'relay' && relay.port === 587);
    const gw = parse('egress: { nodeSelector: { gw: "true" }, publicIPs: [203.0.113.25] }\n').egress;
    assert.equal(gw.mode, 'ciliumGateway');
  });

  it('web: {className} is ingress; database: {instances} is cnpg; redis: {host} is external; tls: {issuer} is certManager', () => {
    const c = parse('web: { className: nginx }\ndatabase: { instances: 3 }\nredis: { host: redis.example.net }\ntls: { issuer: { name: letsencrypt } }\n');
    assert.ok(c.web.kind === 'ingress' && c.web.className === 'nginx');
    assert.ok(c.database.type === 'cnpg' && c.database.instances === 3 && c.database.storage.size === '10Gi');
    assert.ok(c.redis.mode === 'external' && c.redis.port === 6379);
    assert.ok(c.tls.source === 'certManager' && c.tls.issuer.kind === 'ClusterIssuer');
  });

  it('a misspelt key still gets its did-you-mean inside the inferred branch', () => {
    assert.match(refused('exposure: { traefik: { trustedProxyCidrs: [10.42.0.0/16] }, replicaz: 2 }\nweb: { kind: traefik }\n', 'exposure.replicaz'), /unknown key/);
    assert.match(refused('exposure: { traefik: { trustedProxyCidrs: [10.42.0.0/16], replicaz: 2 } }\n', 'exposure.traefik.replicaz'), /did you mean "replicas"/);
    assert.match(refused('exposure: { portz: [25] }\n', 'exposure.portz'), /did you mean "ports"/);
  });
});

describe('when the keys leave the choice open, the selector is required and the fitting values named', () => {
  it('database: {host, secret} needs type postgresql or mysql', () => {
    assert.equal(
      refused('database: { host: db.example.net, secret: { name: db } }\n', 'database.type'),
      'is required: "postgresql" or "mysql" (the keys given fit those)',
    );
  });

  it('tls has no default: {} lists every source, {secretName} the two that take it', () => {
    assert.equal(refused('tls: {}\n', 'tls.source'), 'is required: one of "certManager", "secret", "none"');
    assert.match(refused('tls: { secretName: mail-tls }\n', 'tls.source'), /^is required: "certManager" or "secret"/);
  });

  it('web: {realIpFrom} fits every proxy kind', () => {
    assert.match(refused('web: { realIpFrom: [10.0.0.0/24] }\n', 'web.kind'), /^is required: "ingress", "traefik" or "gatewayApi"/);
  });

  it('a wrong selector is still named with the choices', () => {
    assert.match(refused('exposure: { mode: hostport }\n', 'exposure.mode'), /must be one of "hostPort", "loadBalancer", "traefik" \(got "hostport"\)/);
  });
});
