// The operator on dual-stack clusters, against the API test server: AAAA next to A per family, from
// the node address type configured for each family, never a non-public IPv6, SPF ip6: terms kept
// current; every DNSEndpoint version written is checked against the external-dns CRD.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailuConfigInput } from '../../src/config/schema.js';
import type { KubeObject } from '../support/kube-api-server.js';
import { pod, setNodeAddresses, setPodState } from '../support/kube-fixtures.js';
import { Cluster, metric, waitFor } from '../support/operator-harness.js';
import { DUAL_STACK_CLUSTER, operatorConfig } from '../support/operator-config.js';
import { validateManifest } from '../support/schema.js';

const ADDR = 'mailu-front-address';
const SPF = 'mailu-spf';

type Dns = NonNullable<MailuConfigInput['dns']>;

function dualConfig(operator: NonNullable<Dns['operator']> = {}, over: Partial<MailuConfigInput> = {}) {
  return operatorConfig({ cluster: DUAL_STACK_CLUSTER, egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } }, dnsExtra: { spf: { all: '-all' } }, operator, ...over });
}

async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = await new Cluster().start();
  try {
    await fn(c);
    assertAllValid(c);
  } finally {
    await c.stop();
  }
}

/** Every version of every DNSEndpoint the operator wrote is strictly valid. */
function assertAllValid(c: Cluster): void {
  for (const v of c.history.filter((h) => h.type !== 'DELETED')) {
    const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...metadata } = v.object.metadata as KubeObject['metadata'] & Record<string, unknown>;
    assert.deepEqual(validateManifest({ ...v.object, metadata }), [], `${v.name} (${v.type}) is valid`);
  }
}

/** "name TYPE targets" per endpoint of the address record. */
function records(c: Cluster): string[] {
  const eps = (c.endpoint(ADDR)?.spec as { endpoints?: Array<{ dnsName: string; recordType: string; targets: string[] }> } | undefined)?.endpoints ?? [];
  return eps.map((e) => `${e.dnsName} ${e.recordType} ${e.targets.join(',')}`);
}

const spf = (c: Cluster): string | undefined => c.targets(SPF)[0];

describe('operator scenarios: dual-stack nodes', () => {
  it('ExternalIPs of both families: A and AAAA for the front node, ip4: and ip6: for the smtp node', () =>
    withCluster(async (c) => {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1', '2001:db8:1::1'], internalIPs: ['10.0.0.1', 'fd00::1'], labels: { mail: 'yes' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      c.api.create('pods', pod('smtp-0', { component: 'smtp', nodeName: 'n1', nodeSelector: { mail: 'yes' } }));
      const op = await c.startOperator({ config: dualConfig() });
      await c.waitLeader(op);
      await waitFor('both records', () => records(c).length === 2 && spf(c) !== undefined);
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.1', 'mail.example.com AAAA 2001:db8:1::1']);
      assert.equal(spf(c), 'v=spf1 ip4:203.0.113.1 ip6:2001:db8:1::1 -all');
      const aaaa = (c.endpoint(ADDR)!.spec as { endpoints: Array<Record<string, unknown>> }).endpoints[1]!;
      assert.deepEqual(aaaa.providerSpecific, [{ name: 'external-dns.kubernetes.io/cloudflare-proxied', value: 'false' }], 'AAAA unproxied like A');
      assert.equal(aaaa.recordTTL, 60);
      assert.equal(await metric(op, 'mailu_dns_operator_published_targets', { record: 'address', family: 'ipv6' }), 1);
      assert.equal(await metric(op, 'mailu_dns_operator_published_targets', { record: 'address', family: 'ipv4' }), 1);
      assert.equal(c.events('NodeAddressNotPublic').length, 0, 'InternalIPs are not read by default, so not judged either');
    }));

  it('public IPv6 listed only as InternalIP: no AAAA by default, AAAA with nodeAddressType.ipv6 InternalIP', () =>
    withCluster(async (c) => {
      // The usual k3s node: --node-ip with both families, --node-external-ip with the IPv4 only.
      c.addNodes(['k1', { externalIPs: ['203.0.113.7'], internalIPs: ['10.0.0.7', '2001:db8:7::7'], labels: { mail: 'yes' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'k1' }));
      const first = await c.startOperator({ config: dualConfig() });
      await c.waitLeader(first);
      await waitFor('A record', () => records(c).length > 0 && spf(c) !== undefined);
      await c.settle(first);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.7']);
      assert.equal(spf(c), 'v=spf1 ip4:203.0.113.7 -all');
      await first.stop();

      const op = await c.startOperator({ config: dualConfig({ nodeAddressType: { ipv6: 'InternalIP' } }) });
      await c.waitLeader(op);
      await waitFor('AAAA from the InternalIP', () => records(c).length === 2);
      await waitFor('ip6: from the InternalIP', () => spf(c) === 'v=spf1 ip4:203.0.113.7 ip6:2001:db8:7::7 -all');
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.7', 'mail.example.com AAAA 2001:db8:7::7']);
      assert.deepEqual(c.versions(ADDR).map((v) => v.targets), [['203.0.113.7'], ['203.0.113.7', '2001:db8:7::7']], 'the A record never changed');
    }));

  it('bare metal with the public IPv4 as InternalIP: nodeAddressType.ipv4 InternalIP publishes it, a private InternalIP never', () =>
    withCluster(async (c) => {
      c.addNodes(
        ['bm1', { internalIPs: ['198.51.100.5', '2001:db8:5::5'], labels: { mail: 'yes' } }],
        ['bm2', { internalIPs: ['192.168.1.6', '2001:db8:6::6'], labels: { mail: 'yes' } }],
      );
      c.api.create('pods', pod('front-1', { nodeName: 'bm1' }));
      c.api.create('pods', pod('front-2', { nodeName: 'bm2' }));
      const op = await c.startOperator({ config: dualConfig({ nodeAddressType: { ipv4: 'InternalIP', ipv6: 'InternalIP' } }) });
      await c.waitLeader(op);
      await waitFor('records', () => records(c).length === 2);
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 198.51.100.5', 'mail.example.com AAAA 2001:db8:5::5,2001:db8:6::6']);
      const ev = c.events('NodeAddressNotPublic');
      assert.equal(ev.length, 1);
      assert.match(String(ev[0]!.message), /node bm2 reports 192\.168\.1\.6 \(private \(RFC 1918\)\)/);
      assert.match(String(ev[0]!.message), /dns\.operator\.nodeAddressType/);
    }));

  it('ULA or link-local IPv6 ExternalIP: never published; the A record stays', () =>
    withCluster(async (c) => {
      c.addNodes(['u1', { externalIPs: ['203.0.113.20', 'fd12:3456::20', 'fe80::20'], labels: { mail: 'yes' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'u1' }));
      c.api.create('pods', pod('smtp-0', { component: 'smtp', nodeName: 'u1', nodeSelector: { mail: 'yes' } }));
      const op = await c.startOperator({ config: dualConfig() });
      await c.waitLeader(op);
      await waitFor('records', () => records(c).length > 0 && spf(c) !== undefined);
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.20']);
      assert.equal(spf(c), 'v=spf1 ip4:203.0.113.20 -all', 'no ip6: for a ULA sender either');
      const ev = c.events('NodeAddressNotPublic');
      assert.equal(ev.length, 1, 'one Event though the node is front and sender');
      assert.match(String(ev[0]!.message), /fd12:3456::20 \(unique local \(fc00::\/7\)\), fe80::20 \(link-local\)/);
      assert.ok(c.logs.some((l) => l.level === 'warn' && l.finding === 'NodeAddressNotPublic'));
      // An IPv6-only front node with nothing public: no record to publish, the last one is kept.
      setNodeAddresses(c.api, 'u1', ['fd12:3456::21']);
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.20']);
      assert.equal(await metric(op, 'mailu_dns_operator_keeping_last_record', { record: 'address' }), 1);
    }));

  it('a node gaining and losing its IPv6: the AAAA and the ip6: term come and go, the A and ip4: stay', () =>
    withCluster(async (c) => {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1'], labels: { mail: 'yes' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      c.api.create('pods', pod('smtp-0', { component: 'smtp', nodeName: 'n1', nodeSelector: { mail: 'yes' } }));
      const op = await c.startOperator({ config: dualConfig() });
      await c.waitLeader(op);
      await waitFor('A only', () => records(c).length === 1 && spf(c) !== undefined);
      setNodeAddresses(c.api, 'n1', ['203.0.113.1', '2001:db8:1::1']);
      await waitFor('AAAA added', () => records(c).length === 2);
      await waitFor('ip6 added', () => spf(c) === 'v=spf1 ip4:203.0.113.1 ip6:2001:db8:1::1 -all');
      // Renumbered: the provider hands out a new /64.
      setNodeAddresses(c.api, 'n1', ['203.0.113.1', '2001:db8:2::1']);
      await waitFor('AAAA renumbered', () => records(c).includes('mail.example.com AAAA 2001:db8:2::1'));
      await waitFor('ip6 renumbered', () => spf(c) === 'v=spf1 ip4:203.0.113.1 ip6:2001:db8:2::1 -all');
      setNodeAddresses(c.api, 'n1', ['203.0.113.1']);
      await waitFor('AAAA removed', () => records(c).length === 1);
      await waitFor('ip6 removed', () => spf(c) === 'v=spf1 ip4:203.0.113.1 -all');
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.1']);
      assert.deepEqual(c.versions(ADDR).map((v) => v.targets), [
        ['203.0.113.1'],
        ['203.0.113.1', '2001:db8:1::1'],
        ['203.0.113.1', '2001:db8:2::1'],
        ['203.0.113.1'],
      ]);
      assert.ok(c.versions(ADDR).every((v) => v.type !== 'DELETED'), 'never deleted on the way');
    }));

  it('front moving between nodes: A and AAAA move together (both while both pods serve), the old node leaves with its pod', () =>
    withCluster(async (c) => {
      c.addNodes(
        ['n1', { externalIPs: ['203.0.113.1', '2001:db8:1::1'] }],
        ['n2', { externalIPs: ['203.0.113.2', '2001:db8:2::2'] }],
      );
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator({ config: dualConfig({ allHostnames: true }) });
      await c.waitLeader(op);
      await waitFor('on n1', () => records(c).length === 4);
      c.api.create('pods', pod('front-b', { nodeName: 'n2', state: 'running' }));
      setPodState(c.api, 'mailu', 'front-b', 'ready');
      await waitFor('both nodes', () => c.targets().length === 8);
      c.api.remove('pods', 'mailu', 'front-a');
      await waitFor('on n2', () => c.targets().join() === '203.0.113.2,2001:db8:2::2,203.0.113.2,2001:db8:2::2');
      await c.settle(op);
      assert.deepEqual(records(c), [
        'mail.example.com A 203.0.113.2', 'mail.example.com AAAA 2001:db8:2::2',
        'smtp.example.com A 203.0.113.2', 'smtp.example.com AAAA 2001:db8:2::2',
      ]);
      const perVersion = c.versions(ADDR).map((v) => [...new Set(v.targets)].sort().join(' '));
      assert.deepEqual(perVersion, [
        '2001:db8:1::1 203.0.113.1',
        '2001:db8:1::1 2001:db8:2::2 203.0.113.1 203.0.113.2',
        '2001:db8:2::2 203.0.113.2',
      ]);
    }));

  it('single-stack cluster: nodes with IPv6 get no AAAA and no ip6: (no pod listens or sends over IPv6)', () =>
    withCluster(async (c) => {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1', '2001:db8:1::1'], labels: { mail: 'yes' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator({ config: operatorConfig({ egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } }, dnsExtra: { spf: { all: '-all' } } }) });
      await c.waitLeader(op);
      await waitFor('records', () => records(c).length > 0 && spf(c) !== undefined);
      await c.settle(op);
      assert.deepEqual(records(c), ['mail.example.com A 203.0.113.1']);
      assert.equal(spf(c), 'v=spf1 ip4:203.0.113.1 -all');
    }));
});

describe('operator scenarios: dual-stack Cilium egress gateway', () => {
  const gateway = (extra: Record<string, unknown>) =>
    operatorConfig({ cluster: DUAL_STACK_CLUSTER, egress: { mode: 'ciliumGateway', nodeSelector: { egress: 'mail' }, ...extra } as MailuConfigInput['egress'], dnsExtra: { spf: { all: '-all' } } });

  it('Cilium 1.18+: IPv6 leaves through the gateway, so its node IPv6 is the ip6: term, and follows the gateway', () =>
    withCluster(async (c) => {
      c.addNodes(
        ['gw-a', { externalIPs: ['198.51.100.1', '2001:db8:a::1'], labels: { egress: 'mail' } }],
        ['gw-b', { externalIPs: ['198.51.100.2', '2001:db8:b::2'], labels: { egress: 'mail' } }],
        ['worker', { externalIPs: ['198.51.100.9', '2001:db8:9::9'] }],
      );
      const op = await c.startOperator({ config: gateway({ ciliumVersion: '1.18' }) });
      await c.waitLeader(op);
      await waitFor('spf', () => spf(c) !== undefined);
      assert.equal(spf(c), 'v=spf1 ip4:198.51.100.1 ip6:2001:db8:a::1 -all');
      c.api.mutate('nodes', undefined, 'gw-a', (o) => delete o.metadata.labels!.egress);
      await waitFor('gateway moved', () => spf(c) === 'v=spf1 ip4:198.51.100.2 ip6:2001:db8:b::2 -all');
      setNodeAddresses(c.api, 'gw-b', ['198.51.100.2']);
      await waitFor('gateway lost its IPv6', () => spf(c) === 'v=spf1 ip4:198.51.100.2 -all');
      await c.settle(op);
    }));

  it('Cilium 1.18+ with egress.ipv6Addresses, and older Cilium: the configured IPv6, never the gateway node\'s', () =>
    withCluster(async (c) => {
      c.addNodes(['gw-a', { externalIPs: ['198.51.100.1', '2001:db8:a::1'], labels: { egress: 'mail' } }]);
      const first = await c.startOperator({ config: gateway({ ciliumVersion: '1.18', ipv6Addresses: ['2001:db8:25::25'] }) });
      await c.waitLeader(first);
      await waitFor('spf', () => spf(c) === 'v=spf1 ip4:198.51.100.1 ip6:2001:db8:25::25 -all');
      await first.stop();
      const op = await c.startOperator({ config: gateway({ ciliumVersion: '1.17', ipv6Addresses: ['2001:db8:26::26'] }) });
      await c.waitLeader(op);
      await waitFor('spf', () => spf(c) === 'v=spf1 ip4:198.51.100.1 ip6:2001:db8:26::26 -all');
      await c.settle(op);
    }));
});
