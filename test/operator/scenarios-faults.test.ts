// The operator while leadership is uncertain and while the API server pushes back, with time in
// the test's hands: a ManualClock drives every wait of the operator (lease rounds, retries,
// Retry-After), and requests the test holds at the server play API latency. Nothing here waits
// for time to pass, so each case runs the same on a busy machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Operator } from '../../src/operator/operator.js';
import type { HookResult, KubeApiServer, RequestInfo } from '../support/kube-api-server.js';
import { pod } from '../support/kube-fixtures.js';
import { ManualClock } from '../support/operator-clock.js';
import { Cluster, waitFor } from '../support/operator-harness.js';

const IP = (n: number) => `203.0.113.${n}`;
const ADDR = 'mailu-front-address';
const SPF = 'mailu-spf';

async function withCluster(fn: (c: Cluster, clock: ManualClock) => Promise<void>, clock = new ManualClock()): Promise<void> {
  const c = await new Cluster().start();
  try {
    c.addNodes(['n1', { externalIPs: [IP(1)] }], ['n2', { externalIPs: [IP(2)] }], ['n3', { externalIPs: [IP(3)] }]);
    await fn(c, clock);
  } finally {
    await c.stop();
  }
}

/** Starts an operator on `clock` and runs its first lease round: it leads. */
async function leading(c: Cluster, clock: ManualClock): Promise<Operator> {
  // No periodic resync: every pass below has a cause the test made.
  const op = await c.startOperator({ clock, timings: { resyncMs: 24 * 3600_000 } });
  clock.advanceTo(clock.timer('lease').due);
  await c.waitLeader(op);
  return op;
}

/** Holds matching requests at the server (API latency) until released; then answers them as told. */
function hold(api: KubeApiServer, match: (i: RequestInfo) => boolean) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let answer: HookResult;
  let waiting = 0;
  const unhook = api.addHook(async (i) => {
    if (!match(i)) return undefined;
    waiting++;
    await gate;
    return answer;
  });
  return {
    get waiting() {
      return waiting;
    },
    release(with_?: HookResult) {
      answer = with_;
      unhook();
      open();
    },
  };
}

const leasePut = (i: RequestInfo) => i.method === 'PUT' && i.resource?.plural === 'leases';

function moveFront(c: Cluster, from: string, to: string, node: string): void {
  c.api.remove('pods', 'mailu', from);
  c.api.create('pods', pod(to, { nodeName: node }));
}

/** Sends the next lease renewal and holds it at the server while the clock passes the renew deadline. */
async function lateRenewal(c: Cluster, clock: ManualClock, op: Operator) {
  const renewal = hold(c.api, leasePut);
  clock.advanceTo(clock.timer('lease').due);
  await waitFor('the renewal is at the server', () => renewal.waiting === 1);
  // It was sent one retry period after the last renewal: the deadline passes while it is held.
  clock.advance(op.timings.renewDeadlineMs - op.timings.retryPeriodMs);
  assert.equal(op.isLeader, false, 'not sure to lead while the renewal is out');
  return renewal;
}

describe('operator scenarios: leadership uncertain, API pushing back', () => {
  it('a change seen while the renewal is late is published as soon as the renewal succeeds', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await leading(c, clock);
      await waitFor('record', () => c.targets().join() === IP(1));
      await c.settle(op);
      const renewal = await lateRenewal(c, clock, op);
      const passes = op.reconciler.passes;
      const puts = c.api.count('PUT dnsendpoints');
      moveFront(c, 'front-a', 'front-b', 'n2');
      await c.settle(op);
      assert.ok(op.reconciler.passes > passes, 'the change was seen');
      assert.equal(c.api.count('PUT dnsendpoints'), puts, 'and not written');
      const renewedAt = clock.now();
      const leasePuts = c.api.count('PUT leases');
      renewal.release();
      await waitFor('published', () => c.targets().join() === IP(2));
      // Within one retry period of the renewal: the clock has not moved since, no other renewal
      // was sent, and the next one is still a whole retry period away.
      assert.equal(clock.now(), renewedAt);
      assert.equal(c.api.count('PUT leases'), leasePuts);
      assert.equal(clock.timer('lease').due, renewedAt + op.timings.retryPeriodMs);
      assert.ok(c.logs.some((l) => /renewed the lease only after the renew deadline/.test(l.msg)));
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(2)]]);
    }));

  it('a late renewal that fails: the replica steps down, re-acquires at its next round and publishes then', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await leading(c, clock);
      await waitFor('record', () => c.targets().join() === IP(1));
      await c.settle(op);
      const renewal = await lateRenewal(c, clock, op);
      moveFront(c, 'front-a', 'front-b', 'n2');
      await c.settle(op);
      renewal.release({ status: 500, message: 'etcdserver: request timed out' });
      await waitFor('stepped down', () => c.logs.some((l) => /could not renew the lease/.test(l.msg)));
      await waitFor('next round scheduled', () => clock.pending('lease').length === 1);
      const { retryPeriodMs, retryJitter } = op.timings;
      assert.ok(clock.timer('lease').due - clock.now() <= retryPeriodMs * (1 + retryJitter));
      assert.deepEqual(c.targets(), [IP(1)]);
      clock.advanceTo(clock.timer('lease').due);
      const acquiredAt = clock.now();
      await waitFor('published', () => c.targets().join() === IP(2));
      assert.equal(clock.now(), acquiredAt, 'published in the round that re-acquired the lease');
    }));

  it('a write skipped in the middle of a pass (the deadline passed during the one before) is redone by the next term', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      // The first pass of the new leader creates both records: two writes in one pass.
      const first = hold(c.api, (i) => i.method === 'POST' && i.resource?.plural === 'dnsendpoints');
      const op = await leading(c, clock);
      await waitFor('the first create is at the server', () => first.waiting === 1);
      const renewal = await lateRenewal(c, clock, op);
      first.release();
      await waitFor('one record created', () => c.history.length === 1);
      await c.settle(op);
      assert.equal(c.history.length, 1, 'the second write was skipped: not sure to lead');
      renewal.release();
      await waitFor('both records', () => c.endpoint(ADDR) !== undefined && c.endpoint(SPF) !== undefined);
      await c.settle(op);
      assert.deepEqual(c.history.map((h) => h.type), ['ADDED', 'ADDED']);
    }));

  it('Retry-After on a list: the informer waits it out, one request per second it was told', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      let refusals = 3;
      c.api.injectErrors({ rate: 1, statuses: [429], retryAfterSeconds: 1, match: (i) => i.method === 'GET' && i.resource?.plural === 'pods' && !i.watch && refusals-- > 0 });
      const op = await c.startOperator({ clock, wait: false });
      for (let n = 1; n <= 3; n++) {
        await waitFor(`retry ${n} scheduled`, () => clock.pending('informer pods').length === 1);
        assert.equal(c.api.count('LIST pods'), n);
        assert.equal(clock.timer('informer pods').due - clock.now(), 1000, 'Retry-After: 1, above the backoff');
        clock.advance(999);
        assert.equal(clock.pending('informer pods').length, 1, 'not sent again before the second is over');
        clock.advance(1);
        await waitFor(`list ${n + 1}`, () => c.api.count('LIST pods') === n + 1);
      }
      await waitFor('synced', () => op.ready);
      assert.equal(c.api.count('LIST pods'), 4, 'three refusals over three seconds, then the list');
    }));

  it('Retry-After on a watch: the restart waits it out', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await leading(c, clock);
      await waitFor('watches open', () => c.api.openWatches() === 3);
      await c.settle(op);
      let refusals = 2;
      c.api.injectErrors({ rate: 1, statuses: [503], retryAfterSeconds: 2, match: (i) => i.watch && i.resource?.plural === 'pods' && refusals-- > 0 });
      const watches = c.api.count('WATCH pods');
      c.api.dropWatches({ resource: 'pods', hard: true });
      // The cut connection restarts after the (short) backoff; the server refuses twice with Retry-After: 2.
      await waitFor('restart scheduled', () => clock.pending('informer pods').length === 1);
      clock.advanceTo(clock.timer('informer pods').due);
      for (let n = 1; n <= 2; n++) {
        await waitFor(`refusal ${n}`, () => c.api.count('WATCH pods') === watches + n && clock.pending('informer pods').length === 1);
        assert.equal(clock.timer('informer pods').due - clock.now(), 2000);
        clock.advance(2000);
      }
      await waitFor('pods watched again', () => c.api.openWatches('pods') === 1);
      assert.equal(c.api.count('WATCH pods'), watches + 3);
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('follows', () => c.targets().join() === IP(2));
    }));

  it('Retry-After on a write: nothing is sent until it has passed, then the latest state is written', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await leading(c, clock);
      await waitFor('record', () => c.targets().join() === IP(1));
      await c.settle(op);
      let refusals = 1;
      c.api.injectErrors({ rate: 1, statuses: [429], retryAfterSeconds: 1, match: (i) => i.method === 'PUT' && i.resource?.plural === 'dnsendpoints' && refusals-- > 0 });
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('refused', () => c.api.statusCounts.get(429) === 1);
      await c.settle(op);
      assert.equal(clock.timer('reconcile retry').due - clock.now(), 1000);
      // More changes meanwhile start no pass and send nothing.
      const passes = op.reconciler.passes;
      const requests = c.api.requests.filter((r) => r.resource === 'dnsendpoints' || r.resource === 'events').length;
      moveFront(c, 'front-b', 'front-c', 'n3');
      await c.settle(op);
      clock.advance(999);
      await c.settle(op);
      assert.equal(op.reconciler.passes, passes, 'no pass while the server asked to wait');
      assert.equal(c.api.requests.filter((r) => r.resource === 'dnsendpoints' || r.resource === 'events').length, requests);
      clock.advance(1);
      await waitFor('written', () => c.targets().join() === IP(3));
      assert.deepEqual(c.versions().map((v) => v.targets), [[IP(1)], [IP(3)]]);
    }));

  it('a retry timer that fires a little early by the clock still runs the retry (the hold ends with it)', () =>
    withCluster(async (c, clock) => {
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const op = await leading(c, clock);
      await waitFor('record', () => c.targets().join() === IP(1));
      await c.settle(op);
      let refusals = 1;
      c.api.injectErrors({ rate: 1, statuses: [503], retryAfterSeconds: 0, match: (i) => i.method === 'PUT' && i.resource?.plural === 'dnsendpoints' && refusals-- > 0 });
      moveFront(c, 'front-a', 'front-b', 'n2');
      await waitFor('refused', () => c.api.statusCounts.get(503) === 1);
      await c.settle(op);
      clock.advanceTo(clock.timer('reconcile retry').due);
      await waitFor('written by the retry', () => c.targets().join() === IP(2));
    }, new ManualClock(Date.now(), 0.5)));
});
