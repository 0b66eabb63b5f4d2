// The operator when the API misbehaves or other actors interfere: dropped watches, 410 relists,
// 409 conflicts, a 5xx outage, two replicas and failover, restarts, foreign objects, idleness.
// Durations run on the scaled clock (SCALE): a "30 s" outage takes 1.5 s here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pod, setPodState } from '../support/kube-fixtures.js';
import { Cluster, metric, SCALE, settle, sleep, waitFor } from '../support/operator-harness.js';

const ADDR = 'mailu-front-address';
const IP = (n: number) => `203.0.113.${n}`;

async function withCluster(fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = await new Cluster().start();
  try {
    c.addNodes(['n1', { externalIPs: [IP(1)] }], ['n2', { externalIPs: [IP(2)] }], ['n3', { externalIPs: [IP(3)] }]);
    await fn(c);
  } finally {
    await c.stop();
  }
}

/** Replaces the front pod by one on another node (as a reschedule does). */
function moveFront(c: Cluster, from: string, to: string, node: string): void {
  c.api.remove('pods', 'mailu', from);
  c.api.create('pods', pod(to, { nodeName: node }));
}

describe('operator scenarios: resilience', () => {
  it('watch connection dropped: the informer restarts with backoff and catches up', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      assert.equal(c.api.dropWatches({ hard: true }), 3, 'pods, nodes and dnsendpoints were watched');
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('follows after the drop', () => c.targets().join() === IP(2));
      await waitFor('watches back', () => c.api.openWatches() === 3);
      assert.ok((await metric(op, 'mailu_dns_operator_watch_restarts_total', { resource: 'pods' })) >= 1);
      // A clean end of a watch (server timeout) is resumed from the last resourceVersion without an error.
      const restarts = await metric(op, 'mailu_dns_operator_watch_restarts_total', { resource: 'pods' });
      c.api.dropWatches({ hard: false });
      moveFront(c, 'front-b', 'front-c', 'n3');
      await waitFor('follows after a clean end', () => c.targets().join() === IP(3));
      assert.equal(await metric(op, 'mailu_dns_operator_watch_restarts_total', { resource: 'pods' }), restarts);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)], [IP(3)]]);
    }));

  it('410 Gone: resuming from a compacted resourceVersion relists, and the record follows', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      const lists = c.api.count('LIST pods');
      // All in one tick: the watch ends, the change happens, the history is compacted.
      c.api.dropWatches({ hard: false });
      moveFront(c, 'front-a', 'front-b', 'n2');
      c.api.compact();
      await waitFor('follows after relist', () => c.targets().join() === IP(2));
      assert.ok(c.api.count('LIST pods') > lists, 'relisted');
      // ERROR 410 sent on an open watch (watch cache fell behind) works the same way.
      const lists2 = c.api.count('LIST pods');
      c.api.expireWatches({ resource: 'pods' });
      c.api.compact();
      moveFront(c, 'front-b', 'front-c', 'n3');
      await waitFor('follows after expired watch', () => c.targets().join() === IP(3));
      assert.ok(c.api.count('LIST pods') > lists2);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)], [IP(3)]]);
    }));

  it('409 Conflict: a stale update is re-read and retried, keeping the other writer change', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      await settle(op);
      let armed = true;
      c.api.addHook((info) => {
        if (armed && info.method === 'PUT' && info.resource?.plural === 'dnsendpoints' && info.name === ADDR) {
          armed = false;
          // Someone else writes first: the operator's PUT now carries a stale resourceVersion.
          c.api.mutate('dnsendpoints', 'mailu', ADDR, (o) => (o.metadata.annotations = { 'team.example.com/note': 'edited by hand' }));
        }
      });
      const puts = c.api.count('PUT dnsendpoints');
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('updated', () => c.targets().join() === IP(2));
      await settle(op);
      assert.equal(c.api.count('PUT dnsendpoints') - puts, 2, 'one 409, one success');
      assert.ok(c.api.requests.some((r) => r.method === 'PUT' && r.status === 409));
      assert.equal(c.endpoint(ADDR)!.metadata.annotations?.['team.example.com/note'], 'edited by hand');
      assert.equal(await metric(op, 'mailu_dns_operator_errors_total', { kind: 'conflict' }), 1);
    }));

  it('API answers 5xx for 30 s then recovers: no hot loop, record stays, then follows', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      await settle(op);
      const outageMs = 30_000 * SCALE;
      c.api.resetCounts();
      c.api.startOutage({ status: 503, durationMs: outageMs });
      const t0 = Date.now();
      moveFront(c, 'front-a', 'front-b', 'n2'); // happens in the cluster while the API refuses clients
      await waitFor('leader steps down (cannot renew)', () => !op.isLeader, outageMs);
      assert.deepEqual(c.targets(), [IP(1)], 'nothing could be written during the outage');
      await waitFor('outage over', () => Date.now() - t0 >= outageMs, outageMs + 500);
      const refused = c.api.count('GET outage') + c.api.count('PUT outage') + c.api.count('POST outage');
      // Three informers and the elector, with backoff: tens of requests, not thousands.
      assert.ok(refused > 5 && refused < 200, `requests during the outage: ${refused}`);
      await waitFor('record follows after recovery', () => c.targets().join() === IP(2), 3000);
      await c.waitLeader(op);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)]]);
      assert.ok((await metric(op, 'mailu_dns_operator_errors_total', { kind: 'watch' })) > 0);
      assert.ok((await metric(op, 'mailu_dns_operator_errors_total', { kind: 'lease' })) > 0);
    }));

  it('two replicas: only the leader writes; the other takes over on release and on crash', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const a = await c.startOperator({ identity: 'replica-a' });
      await c.waitLeader(a);
      const b = await c.startOperator({ identity: 'replica-b' });
      let both = 0;
      const sampler = setInterval(() => {
        if (c.operators.filter((o) => o.isLeader).length > 1) both++;
      }, 2);
      try {
        await waitFor('record', () => c.targets().join() === IP(1));
        moveFront(c, 'front-a', 'front-b', 'n2');
        await waitFor('a writes', () => c.targets().join() === IP(2));
        await settle(a, b);
        assert.equal(b.isLeader, false);
        assert.equal(await metric(b, 'mailu_dns_operator_writes_total', { record: 'address', op: 'update' }), 0, 'the standby never writes');
        assert.equal(await metric(a, 'mailu_dns_operator_writes_total', { record: 'address', op: 'update' }), 1);

        // Graceful stop: the lease is released, b takes over within about one retry period.
        const t1 = Date.now();
        await a.stop();
        await c.waitLeader(b);
        const released = Date.now() - t1;
        assert.ok(released < b.timings.leaseDurationMs, `takeover after release took ${released} ms`);
        moveFront(c, 'front-b', 'front-c', 'n3');
        await waitFor('b writes', () => c.targets().join() === IP(3));

        // Crash (no release): a third replica takes over once the lease has not moved for its duration.
        const d = await c.startOperator({ identity: 'replica-d' });
        await settle(b, d);
        const t2 = Date.now();
        await b.stop({ release: false });
        await c.waitLeader(d, 5000);
        const crashed = Date.now() - t2;
        const bound = d.timings.leaseDurationMs + 2 * d.timings.retryPeriodMs + 150;
        assert.ok(crashed <= bound, `takeover after crash took ${crashed} ms (bound ${bound} ms)`);
        moveFront(c, 'front-c', 'front-d', 'n1');
        await waitFor('d writes', () => c.targets().join() === IP(1));
        assert.equal(both, 0, 'never two leaders at once');
        const lease = c.api.get('leases', 'mailu', 'mailu-dns-operator')!;
        assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'replica-d');
        assert.equal((lease.spec as { leaseTransitions: number }).leaseTransitions, 2);
      } finally {
        clearInterval(sampler);
      }
    }));

  it('operator restarted while the record is stale: corrected on start', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const first = await c.startOperator({ identity: 'op-x' });
      await c.waitLeader(first);
      await waitFor('record', () => c.targets().join() === IP(1));
      await first.stop({ release: false }); // killed
      moveFront(c, 'front-a', 'front-b', 'n2');
      await sleep(50);
      assert.deepEqual(c.targets(), [IP(1)], 'stale while no operator runs');
      // The same pod identity comes back (container restart) and reclaims its own lease at once.
      const again = await c.startOperator({ identity: 'op-x' });
      await c.waitLeader(again, 1000);
      await waitFor('corrected', () => c.targets().join() === IP(2));
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)]]);
    }));

  it('foreign DNSEndpoints are never modified or deleted, even one with our name', () =>
    withCluster(async (c) => {
      const foreign = {
        apiVersion: 'externaldns.k8s.io/v1alpha1',
        kind: 'DNSEndpoint',
        metadata: { name: ADDR, namespace: 'mailu', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } },
        spec: { endpoints: [{ dnsName: 'mail.example.com', recordType: 'A', targets: ['192.0.2.66'] }] },
      };
      c.api.create('dnsendpoints', foreign);
      c.api.create('dnsendpoints', { ...foreign, metadata: { name: 'unrelated', namespace: 'mailu' } });
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('spf record written (the operator is active)', () => c.endpoint('mailu-spf') !== undefined);
      moveFront(c, 'front-a', 'front-b', 'n2');
      await settle(op);
      const touched = c.api.requests.filter((r) => r.resource === 'dnsendpoints' && r.method !== 'GET' && (r.name === ADDR || r.name === 'unrelated' || (r.method === 'POST' && r.status !== 201)));
      assert.deepEqual(touched, [], 'no write aimed at a foreign object');
      assert.deepEqual(c.targets(), ['192.0.2.66']);
      assert.equal(c.endpoint('unrelated')!.metadata.resourceVersion, c.versions('unrelated')[0]!.object.metadata.resourceVersion);
      assert.equal(await metric(op, 'mailu_dns_operator_foreign_objects'), 1);
      const ev = c.events('ForeignDNSEndpoint');
      assert.equal(ev.length, 1);
      assert.ok(c.logs.some((l) => l.level === 'error' && /not owned by this operator/.test(l.msg)));
      // Once its owner deletes it, the name is free and the operator publishes its own.
      c.api.remove('dnsendpoints', 'mailu', ADDR);
      await waitFor('own record', () => c.targets().join() === IP(2));
      assert.equal(c.endpoint(ADDR)!.metadata.labels!['app.kubernetes.io/managed-by'], 'mailu-k8s');
    }));

  it('no write at all while nothing changes (heartbeats, irrelevant edits, resyncs)', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      c.api.create('pods', pod('smtp-a', { nodeName: 'n1', component: 'smtp' }));
      const op = await c.startOperator({ timings: { resyncMs: 60 } });
      await c.waitLeader(op);
      await waitFor('records', () => c.targets().length === 1 && c.endpoint('mailu-spf') !== undefined);
      await settle(op);
      c.api.resetCounts();
      const passes = op.reconciler.passes;
      for (let i = 0; i < 20; i++) {
        // Kubelet heartbeats and annotation churn: nothing the records depend on.
        c.api.mutate('nodes', undefined, `n${(i % 3) + 1}`, (o) => {
          ((o.status as { conditions: Array<{ lastHeartbeatTime: string }> }).conditions[0]!).lastHeartbeatTime = new Date(Date.now() + i).toISOString();
        });
        c.api.mutate('pods', 'mailu', 'front-a', (o) => (o.metadata.annotations = { beat: String(i) }));
        await sleep(20);
      }
      await sleep(200); // a few resyncs
      await settle(op);
      const writes = [...c.api.counts].filter(([k]) => /^(POST|PUT|PATCH|DELETE) (dnsendpoints|events)/.test(k));
      assert.deepEqual(writes, [], 'no DNSEndpoint or Event writes');
      assert.ok(op.reconciler.passes - passes >= 3, 'resyncs ran');
      assert.ok(c.api.count('GET dnsendpoints') >= 2, 'resync re-read the records from the API');
      assert.ok(op.reconciler.passes - passes < 20, `irrelevant changes were filtered (${op.reconciler.passes - passes} passes)`);
      // An edit to our record by someone else is noticed and reverted.
      c.api.mutate('dnsendpoints', 'mailu', ADDR, (o) => ((o.spec as { endpoints: Array<{ targets: string[] }> }).endpoints[0]!.targets = ['192.0.2.99']));
      await waitFor('restored', () => c.targets().join() === IP(1));
    }));

  it('front pod readiness flapping during the outage recovery is never published half-way', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      c.api.startOutage({ durationMs: 300 });
      setPodState(c.api, 'mailu', 'front-a', 'running');
      setPodState(c.api, 'mailu', 'front-a', 'ready');
      await sleep(350);
      await waitFor('watches back', () => c.api.openWatches() === 3, 3000);
      await settle(op);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)]], 'no write: the end state equals the published one');
    }));
});
