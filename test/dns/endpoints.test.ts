// DNSEndpoint objects for external-dns: only static records, in the target syntax external-dns
// expects, valid against the upstream CRD schema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dnsEndpointManifests, endpointTarget, type DnsEndpointManifest } from '../../src/dns/endpoints.js';
import { planDns } from '../../src/dns/plan.js';
import { objectLabels } from '../../src/model/labels.js';
import { validateManifest } from '../support/schema.js';
import { cfg, type Overrides } from './helpers.js';

function build(over: Overrides = {}): DnsEndpointManifest[] {
  const config = cfg(over);
  return dnsEndpointManifests(planDns(config), config);
}

function endpoint(objs: DnsEndpointManifest[], dnsName: string, recordType: string) {
  const found = objs.flatMap((o) => o.spec.endpoints).filter((e) => e.dnsName === dnsName && e.recordType === recordType);
  assert.equal(found.length, 1, `one ${recordType} endpoint for ${dnsName}`);
  return found[0]!;
}

const absent = (objs: DnsEndpointManifest[], dnsName: string, recordType: string) =>
  assert.equal(objs.flatMap((o) => o.spec.endpoints).filter((e) => e.dnsName === dnsName && e.recordType === recordType).length, 0, `no ${recordType} endpoint for ${dnsName}`);

describe('DNSEndpoint manifests', () => {
  const objs = build();

  test('one object for the zone, named after the instance, in its namespace, with the dns component labels', () => {
    assert.equal(objs.length, 1);
    const o = objs[0]!;
    assert.equal(o.apiVersion, 'externaldns.k8s.io/v1alpha1');
    assert.equal(o.kind, 'DNSEndpoint');
    assert.deepEqual(o.metadata, { name: 'mailu-dns-static', namespace: 'mailu', labels: objectLabels('mailu', 'dns') });
  });

  test('targets in external-dns syntax: MX "10 host", SRV "p w port host", CNAME without dot, TXT whole', () => {
    assert.deepEqual(endpoint(objs, 'example.com', 'MX').targets, ['10 mail.example.com']);
    assert.deepEqual(endpoint(objs, '_submissions._tcp.example.com', 'SRV').targets, ['10 1 465 mail.example.com']);
    assert.deepEqual(endpoint(objs, '_pop3._tcp.example.com', 'SRV').targets, ['0 0 0 .']);
    assert.deepEqual(endpoint(objs, 'autoconfig.example.com', 'CNAME').targets, ['mail.example.com']);
    assert.deepEqual(endpoint(objs, 'example.com', 'TXT').targets, ['v=spf1 ip4:203.0.113.10 ~all']);
    assert.deepEqual(endpoint(objs, 'mail.example.com', 'A').targets, ['203.0.113.10']);
    for (const e of objs[0]!.spec.endpoints) assert.equal(e.recordTTL, 600, e.dnsName);
  });

  test('manual records (DKIM placeholder, PTR) are never endpoints', () => {
    absent(objs, 'dkim._domainkey.example.com', 'TXT');
    assert.equal(objs[0]!.spec.endpoints.filter((e) => e.recordType === 'PTR').length, 0);
  });

  test('each (name, type) is one endpoint holding every value', () => {
    const multi = build({ egress: { mode: 'nodeIps', addresses: ['203.0.113.10'] }, dns: { addresses: ['203.0.113.11', '203.0.113.10', '2001:db8::1'] } });
    assert.deepEqual(endpoint(multi, 'mail.example.com', 'A').targets, ['203.0.113.10', '203.0.113.11']);
    assert.deepEqual(endpoint(multi, 'mail.example.com', 'AAAA').targets, ['2001:db8::1']);
    const keys = multi.flatMap((o) => o.spec.endpoints.map((e) => `${e.dnsName} ${e.recordType}`));
    assert.equal(new Set(keys).size, keys.length);
  });

  test('records the operator owns (A, SPF) are left out', () => {
    const op = build({ egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true } } });
    absent(op, 'mail.example.com', 'A');
    absent(op, 'example.com', 'TXT');
    assert.ok(endpoint(op, 'example.com', 'MX'));
    const pod = build({ dns: { addresses: [], externalDns: { enabled: true, podSource: true } } });
    absent(pod, 'mail.example.com', 'A');
  });

  test('a long TXT value stays whole (the provider splits it)', () => {
    const long = build({ dns: { spf: { extraIps: Array.from({ length: 18 }, (_, i) => `198.51.100.${i + 1}`) } } });
    const [target] = endpoint(long, 'example.com', 'TXT').targets;
    assert.ok(Buffer.byteLength(target!) > 255);
    assert.ok(!target!.includes('"'));
  });

  test('records outside the domain go to a second object', () => {
    const two = build({ instance: 'mx', dns: { dmarc: { rua: 'agg@reports.example.net' } } });
    assert.deepEqual(two.map((o) => o.metadata.name), ['mx-dns-static', 'mx-dns-other-zones']);
    assert.deepEqual(two[1]!.spec.endpoints, [{ dnsName: 'example.com._report._dmarc.reports.example.net', recordType: 'TXT', targets: ['v=DMARC1;'], recordTTL: 600 }]);
  });

  test('address and alias endpoints ask Cloudflare not to proxy, with the configured prefix', () => {
    const key = (objs2: DnsEndpointManifest[], name: string, type: string) => endpoint(objs2, name, type).providerSpecific;
    assert.deepEqual(key(objs, 'mail.example.com', 'A'), [{ name: 'external-dns.kubernetes.io/cloudflare-proxied', value: 'false' }]);
    assert.equal(key(objs, 'example.com', 'MX'), undefined);
    const old = build({ dns: { externalDns: { annotationPrefix: 'external-dns.alpha.kubernetes.io/' } } });
    assert.deepEqual(key(old, 'autoconfig.example.com', 'CNAME'), [{ name: 'external-dns.alpha.kubernetes.io/cloudflare-proxied', value: 'false' }]);
  });

  test('endpointTarget keeps the root target of "not available" SRV records', () => {
    assert.equal(endpointTarget('SRV', '0 0 0 .'), '0 0 0 .');
    assert.equal(endpointTarget('SRV', '20 1 587 mail.example.com.'), '20 1 587 mail.example.com');
    assert.equal(endpointTarget('MX', '10 mail.example.com.'), '10 mail.example.com');
    assert.equal(endpointTarget('TXT', 'v=spf1 a. -all'), 'v=spf1 a. -all');
  });

  test('every manifest validates against the external-dns CRD schema', () => {
    const all = [
      ...objs,
      ...build({ dns: { dmarc: { rua: 'agg@reports.example.net' }, mtaSts: { enabled: true } } }),
      ...build({ exposure: { mode: 'hostPort', ports: [25, 110, 143, 465, 587, 993, 995] }, dns: { addresses: ['203.0.113.10', '2001:db8::1'] } }),
    ];
    for (const o of all) assert.deepEqual(validateManifest(o), [], o.metadata.name);
    // the validator is strict: an unknown endpoint field is reported
    const bad = structuredClone(objs[0]!) as unknown as { spec: { endpoints: Record<string, unknown>[] } };
    bad.spec.endpoints[0]!.ttl = 600;
    assert.ok(validateManifest(bad).length > 0);
  });
});
