// The operator when the API misbehaves or other actors interfere: dropped watches, 410 relists,
// 409 conflicts, a 5xx outage, two replicas and failover, restarts, foreign objects, idleness.
// Durations run on the scaled clock (SCALE): a "30 s" outage takes 1.5 s here. Every step waits
// for a condition (an open watch, a record, a settled operator), never for time to pass.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pod, setPodState } from '../support/kube-fixtures.js';
import type { Operator } from '../../src/operator/operator.js';
import { Cluster, GUARD_MS, metric, SCALE, scaledLease, sleep, waitFor } from '../support/operator-harness.js';

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

/** Waits until the operator's three watches (pods, nodes, DNSEndpoints) are open on the server. */
async function watchesOpen(c: Cluster): Promise<void> {
  await waitFor('pods, nodes and dnsendpoints watched', () => c.api.openWatches() === 3);
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
      await watchesOpen(c);
      assert.equal(c.api.dropWatches({ hard: true }), 3);
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('follows after the drop', () => c.targets().join() === IP(2));
      await watchesOpen(c);
      assert.ok((await metric(op, 'mailu_dns_operator_watch_restarts_total', { resource: 'pods' })) >= 1);
      // A clean end of a watch (server timeout) is resumed from the last resourceVersion without an error.
      const restarts = await metric(op, 'mailu_dns_operator_watch_restarts_total', { resource: 'pods' });
      assert.equal(c.api.dropWatches({ hard: false }), 3);
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
      await watchesOpen(c);
      const lists = c.api.count('LIST pods');
      // All in one tick: the watch ends, the change happens, the history is compacted.
      assert.equal(c.api.dropWatches({ hard: false }), 3);
      moveFront(c, 'front-a', 'front-b', 'n2');
      c.api.compact();
      await waitFor('follows after relist', () => c.targets().join() === IP(2));
      assert.ok(c.api.count('LIST pods') > lists, 'relisted');
      // ERROR 410 sent on an open watch (watch cache fell behind) works the same way.
      await waitFor('pods watched again', () => c.api.openWatches('pods') === 1);
      const lists2 = c.api.count('LIST pods');
      assert.equal(c.api.expireWatches({ resource: 'pods' }), 1);
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
      await c.settle(op);
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
      await c.settle(op);
      assert.equal(c.api.count('PUT dnsendpoints') - puts, 2, 'one 409, one success');
      assert.ok(c.api.requests.some((r) => r.method === 'PUT' && r.status === 409));
      assert.equal(c.endpoint(ADDR)!.metadata.annotations?.['team.example.com/note'], 'edited by hand');
      assert.equal(await metric(op, 'mailu_dns_operator_errors_total', { kind: 'conflict' }), 1);
    }));

  it('API answers 5xx for 30 s then recovers: no hot loop, record stays, then follows', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      // The lease on the scaled clock: the leader must step down within the outage.
      const op = await c.startOperator({ timings: scaledLease() });
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      await c.settle(op);
      const outageMs = 30_000 * SCALE;
      const refused = () => c.api.count('GET outage') + c.api.count('PUT outage') + c.api.count('POST outage');
      c.api.resetCounts();
      // The outage lasts its 30 s (scaled) and, on a slow machine, until the leader has stepped down.
      c.api.startOutage({ status: 503 });
      const t0 = Date.now();
      moveFront(c, 'front-a', 'front-b', 'n2'); // happens in the cluster while the API refuses clients
      await waitFor('leader steps down (cannot renew)', () => !op.isLeader);
      await waitFor('clients keep retrying', () => refused() > 5);
      await sleep(outageMs - (Date.now() - t0));
      c.api.endOutage();
      const lasted = Date.now() - t0;
      assert.deepEqual(c.targets(), [IP(1)], 'nothing could be written during the outage');
      // Three informers and the elector, with backoff: tens of requests per 30 s, not thousands
      // (a slow machine makes fewer and may stretch the outage).
      const perOutage = (refused() * outageMs) / Math.max(outageMs, lasted);
      assert.ok(perOutage < 200, `requests during the outage: ${refused()} in ${lasted} ms`);
      await waitFor('record follows after recovery', () => c.targets().join() === IP(2));
      await c.waitLeader(op);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)]]);
      assert.ok((await metric(op, 'mailu_dns_operator_errors_total', { kind: 'watch' })) > 0);
      assert.ok((await metric(op, 'mailu_dns_operator_errors_total', { kind: 'lease' })) > 0);
    }));

  it('two replicas: only the leader writes; the other takes over on release and on crash', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      // Replicas share their lease settings (as in one Deployment): short enough to wait out a
      // crash, with a renew deadline of seconds, which no stall of a busy machine reaches.
      const timings = { leaseDurationMs: 3000, renewDeadlineMs: 2000 };
      const holders: string[] = [];
      c.api.subscribe((ev) => {
        const holder = ev.resource === 'leases' ? (ev.object.spec as { holderIdentity?: string }).holderIdentity ?? '' : undefined;
        if (holder !== undefined && holder !== holders[holders.length - 1]) holders.push(holder);
      });
      const a = await c.startOperator({ identity: 'replica-a', timings });
      await c.waitLeader(a);
      const b = await c.startOperator({ identity: 'replica-b', timings });
      let both = 0;
      const sampler = setInterval(() => {
        if (c.operators.filter((o) => o.isLeader).length > 1) both++;
      }, 2);
      try {
        await waitFor('record', () => c.targets().join() === IP(1));
        moveFront(c, 'front-a', 'front-b', 'n2');
        await waitFor('a writes', () => c.targets().join() === IP(2));
        await c.settle(a, b);
        assert.equal(b.isLeader, false);
        assert.equal(await metric(b, 'mailu_dns_operator_writes_total', { record: 'address', op: 'update' }), 0, 'the standby never writes');
        assert.equal(await metric(a, 'mailu_dns_operator_writes_total', { record: 'address', op: 'update' }), 1);

        // Graceful stop: a empties the holder, b takes the free lease at its next retry.
        await a.stop();
        await c.waitLeader(b);
        assert.deepEqual(holders, ['replica-a', '', 'replica-b'], 'released, then taken');
        moveFront(c, 'front-b', 'front-c', 'n3');
        await waitFor('b writes', () => c.targets().join() === IP(3));

        // Crash (no release): a third replica takes over once the lease has not moved for its duration.
        const d = await c.startOperator({ identity: 'replica-d', timings });
        await c.settle(b, d);
        await b.stop({ release: false });
        await c.waitLeader(d);
        assert.deepEqual(holders, ['replica-a', '', 'replica-b', 'replica-d'], 'taken over without a release');
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
      // A lease longer than any wait here: only reclaiming it at once lets the restarted one lead.
      const timings = { leaseDurationMs: 4 * GUARD_MS, renewDeadlineMs: 2 * GUARD_MS };
      const first = await c.startOperator({ identity: 'op-x', timings });
      await c.waitLeader(first);
      await waitFor('record', () => c.targets().join() === IP(1));
      await first.stop({ release: false }); // killed
      moveFront(c, 'front-a', 'front-b', 'n2');
      assert.deepEqual(c.targets(), [IP(1)], 'stale while no operator runs');
      // The same pod identity comes back (container restart) and reclaims its own lease at once.
      const again = await c.startOperator({ identity: 'op-x', timings });
      await c.waitLeader(again);
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
      await c.settle(op);
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
      const op = await c.startOperator({ timings: { resyncMs: 300 } });
      await c.waitLeader(op);
      await waitFor('records', () => c.targets().length === 1 && c.endpoint('mailu-spf') !== undefined);
      // An edit to our record by someone else is noticed and reverted.
      c.api.mutate('dnsendpoints', 'mailu', ADDR, (o) => ((o.spec as { endpoints: Array<{ targets: string[] }> }).endpoints[0]!.targets = ['192.0.2.99']));
      await waitFor('restored', () => c.targets().join() === IP(1));
      await c.settle(op);
      c.api.resetCounts();
      const passes = op.reconciler.passes;
      for (let i = 0; i < 20; i++) {
        // Kubelet heartbeats and annotation churn: nothing the records depend on.
        c.api.mutate('nodes', undefined, `n${(i % 3) + 1}`, (o) => {
          ((o.status as { conditions: Array<{ lastHeartbeatTime: string }> }).conditions[0]!).lastHeartbeatTime = new Date(Date.now() + i).toISOString();
        });
        c.api.mutate('pods', 'mailu', 'front-a', (o) => (o.metadata.annotations = { beat: String(i) }));
        await c.settle(op); // each change seen on its own
      }
      // A resync pass re-reads both records from the API (two GETs as the leader).
      await waitFor('three resyncs', () => c.api.count('GET dnsendpoints') >= 6);
      await op.stop(); // no pass after this: the counts below are final
      const writes = [...c.api.counts].filter(([k]) => /^(POST|PUT|PATCH|DELETE) (dnsendpoints|events)/.test(k));
      assert.deepEqual(writes, [], 'no DNSEndpoint or Event writes');
      const resyncs = c.api.count('GET dnsendpoints') / 2;
      assert.equal(op.reconciler.passes - passes, resyncs, 'every pass was a resync: the 40 irrelevant changes started none');
    }));

  it('front pod readiness flapping during the outage recovery is never published half-way', () =>
    withCluster(async (c) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await c.startOperator();
      await c.waitLeader(op);
      await waitFor('record', () => c.targets().join() === IP(1));
      await watchesOpen(c);
      await c.settle(op);
      c.api.startOutage(); // drops the watches too
      setPodState(c.api, 'mailu', 'front-a', 'running');
      setPodState(c.api, 'mailu', 'front-a', 'ready');
      await waitFor('the operator runs into the outage', () => c.api.count('GET outage') >= 3);
      c.api.endOutage();
      await watchesOpen(c);
      await c.settle(op);
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)]], 'no write: the end state equals the published one');
    }));
});
