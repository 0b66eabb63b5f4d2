// The operator against the API test server: where front pods run decides the A/AAAA record.
// Every scenario checks the DNSEndpoint's content over time (each stored version), not only the end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markTerminating, pod, setNodeAddresses, setPodState } from '../support/kube-fixtures.js';
import { Cluster, metric, waitFor } from '../support/operator-harness.js';
import { DUAL_STACK_CLUSTER, operatorConfig } from '../support/operator-config.js';

const ADDR = 'mailu-front-address';
const IP = (n: number) => `203.0.113.${n}`;

async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = await new Cluster().start();
  try {
    await fn(c);
  } finally {
    await c.stop();
  }
}

function threeNodes(c: Cluster): void {
  c.addNodes(['n1', { externalIPs: [IP(1)] }], ['n2', { externalIPs: [IP(2)] }], ['n3', { externalIPs: [IP(3)] }]);
}

describe('operator scenarios: front placement', () => {
  it('initial sync: publishes the ready front node, once, with ownership labels and an Event', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-a', { nodeName: 'n2' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('address record', () => c.targets().length > 0);
      await c.settle(op);
      const obj = c.endpoint(ADDR)!;
      assert.equal(obj.metadata.labels!['app.kubernetes.io/managed-by'], 'mailu-k8s');
      assert.equal(obj.metadata.labels!['app.kubernetes.io/instance'], 'mailu');
      assert.deepEqual((obj.spec as { endpoints: unknown[] }).endpoints, [
        {
          dnsName: 'mail.example.com', recordType: 'A', recordTTL: 60, targets: [IP(2)],
          providerSpecific: [{ name: 'external-dns.kubernetes.io/cloudflare-proxied', value: 'false' }],
        },
      ]);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(2)]]);
      const ev = c.events('TargetsChanged').find((e) => (e.involvedObject as { name: string }).name === ADDR);
      assert.ok(ev, 'TargetsChanged event on the DNSEndpoint');
      assert.equal((ev.involvedObject as { uid?: string }).uid, obj.metadata.uid);
      assert.equal(await metric(op, 'mailu_dns_operator_leader'), 1);
      assert.equal(await metric(op, 'mailu_dns_operator_published_targets', { record: 'address', family: 'ipv4' }), 1);
      assert.equal(await metric(op, 'mailu_dns_operator_writes_total', { record: 'address', op: 'create' }), 1);
    }));

  it('front rescheduled to another node: old target until the new pod is Ready, then only the new one', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('first record', () => c.targets().join() === IP(1));
      // n1 drained: the pod is gone, its replacement goes through its lifecycle on n2.
      c.api.remove('pods', 'mailu', 'front-a');
      c.api.create('pods', pod('front-b', { state: 'pending' }));
      await c.settle(op);
      setPodState(c.api, 'mailu', 'front-b', 'scheduled', 'n2');
      await c.settle(op);
      setPodState(c.api, 'mailu', 'front-b', 'running');
      await c.settle(op);
      assert.deepEqual(c.targets(), [IP(1)], 'kept while nothing serves');
      setPodState(c.api, 'mailu', 'front-b', 'ready');
      await waitFor('new target', () => c.targets().join() === IP(2));
      await c.settle(op);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)]]);
      assert.ok(c.events('NoReadyFrontPod').length >= 1, 'the gap was reported');
    }));

  it('rolling update (surge): never the terminating pod node once it terminates, never empty', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-old', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('first record', () => c.targets().join() === IP(1));
      c.api.create('pods', pod('front-new', { state: 'pending' }));
      await c.settle(op);
      setPodState(c.api, 'mailu', 'front-new', 'scheduled', 'n2');
      await c.settle(op);
      setPodState(c.api, 'mailu', 'front-new', 'running');
      await c.settle(op);
      assert.deepEqual(c.targets(), [IP(1)], 'a pending or unready pod is not published');
      setPodState(c.api, 'mailu', 'front-new', 'ready');
      await waitFor('both nodes', () => c.targets().length === 2);
      // The old pod is being deleted: its containers still run and report Ready, but it goes away.
      const terminatedAt = performance.now();
      markTerminating(c.api, 'mailu', 'front-old');
      await waitFor('only the new node', () => c.targets().join() === IP(2));
      c.api.remove('pods', 'mailu', 'front-old');
      await c.settle(op);
      const versions = c.versions();
      assert.deepEqual(versions.map((v) => v.targets), [[IP(1)], [IP(1), IP(2)], [IP(2)]]);
      assert.ok(versions.every((v) => v.targets.length > 0), 'never empty');
      assert.ok(versions.filter((v) => v.time > terminatedAt).every((v) => !v.targets.includes(IP(1))), 'terminating node never written');
    }));

  it('rolling update without surge: the gap keeps the last record (never empty) and says so in logs, metrics, Events', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-old', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('first record', () => c.targets().join() === IP(1));
      const terminatedAt = performance.now();
      markTerminating(c.api, 'mailu', 'front-old');
      c.api.create('pods', pod('front-new', { state: 'pending' }));
      await c.settle(op);
      assert.deepEqual(c.targets(), [IP(1)], 'kept: better a stale address than none');
      assert.equal(await metric(op, 'mailu_dns_operator_keeping_last_record', { record: 'address' }), 1);
      const ev = c.events('NoReadyFrontPod');
      assert.equal(ev.length, 1, 'one Event for the onset');
      assert.equal(ev[0]!.type, 'Warning');
      assert.match(String(ev[0]!.message), /keeping the last published targets/);
      assert.ok(c.logs.some((l) => l.level === 'warn' && /keeping the last published targets/.test(l.msg)));
      setPodState(c.api, 'mailu', 'front-new', 'ready', 'n3');
      await waitFor('new node', () => c.targets().join() === IP(3));
      await c.settle(op);
      const versions = c.versions();
      assert.deepEqual(versions.map((v) => v.targets), [[IP(1)], [IP(3)]]);
      assert.ok(versions.filter((v) => v.time > terminatedAt).every((v) => !v.targets.includes(IP(1))));
      assert.equal(await metric(op, 'mailu_dns_operator_keeping_last_record', { record: 'address' }), 0);
    }));

  it('onNoReadyPod: remove deletes the record when nothing serves, and recreates it later', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator({ config: operatorConfig({ operator: { onNoReadyPod: 'remove' } }) });
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().length === 1);
      setPodState(c.api, 'mailu', 'front-a', 'running');
      await waitFor('deleted', () => c.endpoint(ADDR) === undefined);
      setPodState(c.api, 'mailu', 'front-a', 'ready');
      await waitFor('recreated', () => c.targets().join() === IP(1));
      await c.settle(op);
      assert.deepEqual(c.versions().map((v) => v.type), ['ADDED', 'DELETED', 'ADDED']);
      assert.ok(c.events('RecordRemoved').length === 1);
    }));

  it('DaemonSet on 3 nodes: three sorted targets; a pod losing readiness drops out', () =>
    withCluster(async (c) => {
      c.addNodes(['n1', { externalIPs: [IP(30)] }], ['n2', { externalIPs: [IP(4)] }], ['n3', { externalIPs: [IP(200)] }]);
      for (const n of ['n3', 'n1', 'n2']) c.api.create('pods', pod(`front-${n}`, { nodeName: n }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('three targets', () => c.targets().length === 3);
      assert.deepEqual(c.targets(), [IP(4), IP(30), IP(200)]);
      setPodState(c.api, 'mailu', 'front-n1', 'running');
      await waitFor('two targets', () => c.targets().length === 2);
      assert.deepEqual(c.targets(), [IP(4), IP(200)]);
      setPodState(c.api, 'mailu', 'front-n1', 'ready');
      await waitFor('three again', () => c.targets().length === 3);
      await c.settle(op);
      assert.deepEqual(c.versions().map((v) => v.targets.length), [3, 2, 3]);
    }));

  it('node loses its ExternalIP: it drops out, reported by Event, metric and warning log', () =>
    withCluster(async (c) => {
      threeNodes(c);
      c.api.create('pods', pod('front-1', { nodeName: 'n1' }));
      c.api.create('pods', pod('front-2', { nodeName: 'n2' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('two targets', () => c.targets().length === 2);
      setNodeAddresses(c.api, 'n1', [], ['10.0.0.1']);
      await waitFor('n1 gone', () => c.targets().join() === IP(2));
      await c.settle(op);
      const ev = c.events('NodeWithoutExternalIP').filter((e) => (e.involvedObject as { name: string }).name === ADDR);
      assert.equal(ev.length, 1);
      assert.match(String(ev[0]!.message), /node n1/);
      assert.equal(await metric(op, 'mailu_dns_operator_nodes_without_external_ip'), 1);
      assert.ok(c.logs.some((l) => l.level === 'warn' && /node n1 .*no ExternalIP/.test(l.msg)));
      // The last public node loses its address too: nothing left to publish, keep the record.
      setNodeAddresses(c.api, 'n2', [], ['10.0.0.2']);
      await c.settle(op);
      assert.deepEqual(c.targets(), [IP(2)]);
      assert.equal(await metric(op, 'mailu_dns_operator_keeping_last_record', { record: 'address' }), 1);
      setNodeAddresses(c.api, 'n1', [IP(11)]);
      await waitFor('n1 back with a new address', () => c.targets().join() === IP(11));
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1), IP(2)], [IP(2)], [IP(11)]]);
    }));

  it('IPv6 node: AAAA appears with a public IPv6 address and goes with it', () =>
    withCluster(async (c) => {
      c.addNodes(['n6', { externalIPs: [IP(6), '2001:db8::6'] }]);
      c.api.create('pods', pod('front-6', { nodeName: 'n6' }));
      const op = await c.startOperator({ config: operatorConfig({ cluster: DUAL_STACK_CLUSTER, operator: { allHostnames: true } }) });
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().length > 0);
      await c.settle(op);
      const types = () => ((c.endpoint(ADDR)!.spec as { endpoints: Array<{ dnsName: string; recordType: string; targets: string[] }> }).endpoints).map((e) => `${e.dnsName} ${e.recordType} ${e.targets.join(',')}`);
      assert.deepEqual(types(), [
        `mail.example.com A ${IP(6)}`, 'mail.example.com AAAA 2001:db8::6',
        `smtp.example.com A ${IP(6)}`, 'smtp.example.com AAAA 2001:db8::6',
      ]);
      assert.equal(await metric(op, 'mailu_dns_operator_published_targets', { record: 'address', family: 'ipv6' }), 1);
      setNodeAddresses(c.api, 'n6', [IP(6)]);
      await waitFor('AAAA gone', () => !types().some((t) => t.includes('AAAA')));
      // IPv6-only node; its InternalIP is not read by default (dns.operator.nodeAddressType).
      setNodeAddresses(c.api, 'n6', ['2001:db8::7'], ['2001:db8:1::7']);
      await waitFor('AAAA only', () => types().every((t) => t.includes('AAAA')));
      assert.deepEqual(types(), ['mail.example.com AAAA 2001:db8::7', 'smtp.example.com AAAA 2001:db8::7']);
    }));
});
