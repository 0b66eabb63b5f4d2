// The SPF DNSEndpoint follows live facts: nodes that may run smtp (nodeIps) or the Cilium gateway
// node (ciliumGateway), and keeps the last valid record when the limits would be broken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pod, setNodeAddresses } from '../support/kube-fixtures.js';
import { Cluster, metric, waitFor } from '../support/operator-harness.js';
import { DUAL_STACK_CLUSTER, operatorConfig } from '../support/operator-config.js';

const SPF = 'mailu-spf';

async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = await new Cluster().start();
  try {
    await fn(c);
  } finally {
    await c.stop();
  }
}

function spf(c: Cluster): string | undefined {
  return c.targets(SPF)[0];
}

describe('operator scenarios: SPF record', () => {
  it('nodeIps: follows the nodes the smtp pods may run on (labels, taints, addresses)', () =>
    withCluster(async (c) => {
      c.addNodes(
        ['mx1', { externalIPs: ['198.51.100.11'], labels: { mail: 'yes' } }],
        ['w1', { externalIPs: ['198.51.100.21'] }],
        ['mx2', { externalIPs: ['198.51.100.12'], labels: { mail: 'yes' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }],
      );
      c.api.create('pods', pod('smtp-0', { component: 'smtp', nodeName: 'mx1', nodeSelector: { mail: 'yes' } }));
      const config = operatorConfig({ cluster: DUAL_STACK_CLUSTER, egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } }, dnsExtra: { spf: { all: '-all' } } });
      const op = await c.startOperator({ config });
      await c.waitLeader(op);
      await waitFor('spf', () => spf(c) !== undefined);
      assert.equal(spf(c), 'v=spf1 ip4:198.51.100.11 -all', 'tainted mx2 cannot run smtp, w1 lacks the label');
      const ep = (c.endpoint(SPF)!.spec as { endpoints: Array<Record<string, unknown>> }).endpoints[0]!;
      assert.equal(ep.dnsName, 'example.com');
      assert.equal(ep.recordType, 'TXT');
      c.api.mutate('nodes', undefined, 'w1', (o) => (o.metadata.labels!.mail = 'yes'));
      await waitFor('w1 added', () => spf(c) === 'v=spf1 ip4:198.51.100.11 ip4:198.51.100.21 -all');
      setNodeAddresses(c.api, 'mx1', ['198.51.100.31', '2001:db8::31']);
      await waitFor('mx1 readdressed', () => spf(c) === 'v=spf1 ip4:198.51.100.21 ip4:198.51.100.31 ip6:2001:db8::31 -all');
      c.api.remove('nodes', undefined, 'w1');
      await waitFor('w1 removed', () => spf(c) === 'v=spf1 ip4:198.51.100.31 ip6:2001:db8::31 -all');
      await c.settle(op);
      assert.equal(c.versions(SPF).length, 4);
      assert.ok(c.events('TargetsChanged').some((e) => (e.involvedObject as { name: string }).name === SPF));
      assert.equal(await metric(op, 'mailu_dns_operator_spf_valid'), 1);
    }));

  it('ciliumGateway: the lexically first node matching the policy selector, as Cilium picks it', () =>
    withCluster(async (c) => {
      c.addNodes(
        ['gw-b', { externalIPs: ['198.51.100.2'], labels: { egress: 'mail' } }],
        ['gw-a', { externalIPs: ['198.51.100.1'], labels: { egress: 'mail' } }],
        ['other', { externalIPs: ['198.51.100.9'] }],
      );
      const config = operatorConfig({
        egress: { mode: 'ciliumGateway', nodeSelector: { egress: 'mail' }, ipv6Addresses: ['2001:db8::25'] },
        dnsExtra: { spf: { include: ['_spf.partner.example.net'] } },
      });
      const op = await c.startOperator({ config });
      await c.waitLeader(op);
      await waitFor('spf', () => spf(c) !== undefined);
      assert.equal(spf(c), 'v=spf1 ip4:198.51.100.1 ip6:2001:db8::25 include:_spf.partner.example.net ~all');
      c.api.mutate('nodes', undefined, 'gw-a', (o) => delete o.metadata.labels!.egress);
      await waitFor('gateway moved to gw-b', () => spf(c)!.startsWith('v=spf1 ip4:198.51.100.2 '));
      c.api.create('nodes', { ...c.api.get('nodes', undefined, 'other')!, metadata: { name: 'gw-0', labels: { egress: 'mail' } } });
      setNodeAddresses(c.api, 'gw-0', ['198.51.100.100']);
      await waitFor('new first node', () => spf(c)!.startsWith('v=spf1 ip4:198.51.100.100 '));
      await c.settle(op);
      assert.deepEqual(c.versions(SPF).map((v) => v.targets[0]!.split(' ')[1]), ['ip4:198.51.100.1', 'ip4:198.51.100.2', 'ip4:198.51.100.100']);
    }));

  it('past the limits (450 bytes) keeps the last valid record and reports the error', () =>
    withCluster(async (c) => {
      c.addNodes(['n0', { externalIPs: ['198.51.100.200'], labels: { mail: 'yes' } }]);
      const config = operatorConfig({ egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } } });
      const op = await c.startOperator({ config });
      await c.waitLeader(op);
      await waitFor('spf', () => spf(c) !== undefined);
      const valid = spf(c);
      // Too many sender nodes for one record (no smtp pod: egress.nodeSelector decides).
      for (let i = 1; i <= 30; i++) {
        c.api.create('nodes', { ...c.api.get('nodes', undefined, 'n0')!, metadata: { name: `n${i}`, labels: { mail: 'yes' } } });
        setNodeAddresses(c.api, `n${i}`, [`198.51.100.${i}`]);
      }
      await waitFor('invalid reported', () => c.events('SpfInvalid').length === 1);
      await c.settle(op);
      assert.equal(spf(c), valid, 'last valid record kept');
      assert.equal(c.versions(SPF).length, 1);
      assert.equal(await metric(op, 'mailu_dns_operator_spf_valid'), 0);
      assert.equal(await metric(op, 'mailu_dns_operator_keeping_last_record', { record: 'spf' }), 1);
      assert.match(String(c.events('SpfInvalid')[0]!.message), /450/);
      assert.ok(c.logs.some((l) => l.level === 'error' && /keeping the last valid record/.test(l.msg)));
      for (let i = 1; i <= 30; i++) c.api.remove('nodes', undefined, `n${i}`);
      c.api.mutate('nodes', undefined, 'n0', (o) => o); // no-op
      setNodeAddresses(c.api, 'n0', ['198.51.100.201']);
      await waitFor('valid again', () => spf(c) === 'v=spf1 ip4:198.51.100.201 ~all');
      assert.equal(await metric(op, 'mailu_dns_operator_spf_valid'), 1);
    }));

  it('a static SPF (egress.publicIPs) is left to the DNS plan: the operator writes no SPF object', () =>
    withCluster(async (c) => {
      c.addNodes(['gw', { externalIPs: ['198.51.100.1'], labels: { egress: 'mail' } }]);
      c.api.create('pods', pod('front-a', { nodeName: 'gw' }));
      const config = operatorConfig({ egress: { mode: 'ciliumGateway', nodeSelector: { egress: 'mail' }, publicIPs: ['192.0.2.25'] } });
      const op = await c.startOperator({ config });
      await c.waitLeader(op);
      await waitFor('address', () => c.targets().length === 1);
      await c.settle(op);
      assert.equal(c.endpoint(SPF), undefined);
    }));
});
