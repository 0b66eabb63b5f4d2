// The lease elector on its own, against the Kubernetes API test server, with time in the test's
// hands (ManualClock): requests take no clock time, so every bound below is the algorithm's own,
// checked exactly. What isLeader says and what the callbacks report must never disagree.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { LeaseElector, type ElectorOptions } from '../../src/operator/leader.js';
import { createLogger } from '../../src/operator/logger.js';
import { KubeApiServer, type RequestInfo } from '../support/kube-api-server.js';
import { ManualClock } from '../support/operator-clock.js';
import { waitFor } from '../support/operator-harness.js';

const LEASE = 15_000;
const RENEW_DEADLINE = 10_000;
const RETRY = 2_000;
const JITTER = 0.2;

interface World {
  api: KubeApiServer;
  clock: ManualClock;
  elector(identity: string, over?: Partial<ElectorOptions>): { e: LeaseElector; calls: string[] };
}

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const api = new KubeApiServer();
  await api.start();
  api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mailu' } });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  const clock = new ManualClock(1_000_000);
  const electors: LeaseElector[] = [];
  const elector = (identity: string, over: Partial<ElectorOptions> = {}) => {
    const calls: string[] = [];
    const e = new LeaseElector(kc, {
      namespace: 'mailu',
      name: 'lease',
      identity,
      leaseDurationMs: LEASE,
      renewDeadlineMs: RENEW_DEADLINE,
      retryPeriodMs: RETRY,
      retryJitter: JITTER,
      retryAfterMaxMs: 30_000,
      log: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      onStartedLeading: () => calls.push('started'),
      onStoppedLeading: () => calls.push('stopped'),
      clock,
      ...over,
    });
    electors.push(e);
    return { e, calls };
  };
  try {
    await fn({ api, clock, elector });
  } finally {
    await Promise.all(electors.map((e) => e.stop({ release: false })));
    await api.stop();
  }
}

/** Waits until `id`'s step is done (its next round is scheduled), then runs the clock to that round. */
async function nextRound(clock: ManualClock, id: string): Promise<void> {
  await waitFor(`${id} scheduled its next round`, () => clock.pending(`lease ${id}`).length === 1);
  clock.advanceTo(clock.timer(`lease ${id}`).due);
}

/** Runs every live elector's rounds in clock order until `until` holds. */
async function runUntil(clock: ManualClock, ids: string[], what: string, until: () => boolean, limitMs = 10 * LEASE): Promise<void> {
  const end = clock.now() + limitMs;
  for (;;) {
    await waitFor('every elector scheduled its next round', () => ids.every((id) => clock.pending(`lease ${id}`).length === 1));
    if (until()) return;
    const next = clock.pending('lease ')[0]!;
    if (next.due > end) throw new Error(`not within ${limitMs} ms of clock time: ${what}`);
    clock.advanceTo(next.due);
  }
}

function leaseSpec(api: KubeApiServer): { holderIdentity?: string; renewTime?: string } {
  return (api.get('leases', 'mailu', 'lease')?.spec ?? {}) as { holderIdentity?: string; renewTime?: string };
}

const isLeasePut = (i: RequestInfo) => i.method === 'PUT' && i.resource?.plural === 'leases';

describe('lease elector', () => {
  it('a renewal that comes after the renew deadline is reported as losing and regaining the lease', () =>
    withWorld(async ({ api, clock, elector }) => {
      const { e, calls } = elector('me');
      e.start();
      await runUntil(clock, ['me'], 'leading', () => e.isLeader);
      assert.deepEqual(calls, ['started']);
      // The renewal is slow to answer (API latency) while the clock passes the renew deadline.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const unhook = api.addHook(async (i) => {
        if (isLeasePut(i)) await held;
      });
      const puts = api.count('PUT leases');
      clock.advanceTo(clock.timer('lease me').due);
      await waitFor('the renewal reached the server', () => api.count('PUT leases') > puts);
      // Sent one retry period after the last renewal: the renew deadline passes while it waits.
      clock.advance(RENEW_DEADLINE - RETRY);
      assert.equal(e.isLeader, false, 'not sure it still leads: the reconciler must not write');
      unhook();
      release();
      await waitFor('leading again', () => e.isLeader);
      // Writes skipped while isLeader was false are only redone if the new term is announced.
      assert.deepEqual(calls, ['started', 'stopped', 'started']);
    }));

  it('timely renewals keep one term, one request each (no read before the update)', () =>
    withWorld(async ({ api, clock, elector }) => {
      const { e, calls } = elector('me');
      e.start();
      await runUntil(clock, ['me'], 'leading', () => e.isLeader);
      const gets = api.count('GET leases');
      const puts = api.count('PUT leases');
      for (let i = 0; i < 5; i++) {
        await nextRound(clock, 'me');
        assert.equal(e.isLeader, true);
      }
      await waitFor('fifth renewal stored', () => api.count('PUT leases') === puts + 5);
      assert.equal(api.count('GET leases'), gets, 'the leader updates the lease it wrote last');
      assert.deepEqual(calls, ['started']);
    }));

  it('a renewal that fails past the deadline steps down; the next success starts a new term', () =>
    withWorld(async ({ api, clock, elector }) => {
      const { e, calls } = elector('me');
      e.start();
      await runUntil(clock, ['me'], 'leading', () => e.isLeader);
      const stop = api.injectErrors({ rate: 1, statuses: [500], match: (i) => i.resource?.plural === 'leases' });
      await runUntil(clock, ['me'], 'stepped down', () => calls.length === 2);
      assert.deepEqual(calls, ['started', 'stopped']);
      assert.equal(e.isLeader, false);
      stop();
      await runUntil(clock, ['me'], 'leading again', () => e.isLeader);
      assert.deepEqual(calls, ['started', 'stopped', 'started']);
    }));

  it('a leader that sees another holder stops at once, without waiting for its deadline', () =>
    withWorld(async ({ api, clock, elector }) => {
      const { e, calls } = elector('me');
      e.start();
      await runUntil(clock, ['me'], 'leading', () => e.isLeader);
      // Someone takes the lease over (a replica with a wrong clock, an admin): our update gets 409.
      api.mutate('leases', 'mailu', 'lease', (o) => ((o.spec as { holderIdentity: string }).holderIdentity = 'intruder'));
      await nextRound(clock, 'me');
      await waitFor('stepped down', () => calls.length === 2);
      assert.equal(e.isLeader, false);
      assert.equal(leaseSpec(api).holderIdentity, 'intruder', 'and leaves it alone until it expires');
    }));

  it('after a crash the standby acquires within the lease duration of the last renewal, never before the renew deadline', () =>
    withWorld(async ({ api, clock, elector }) => {
      // When each holder wrote the lease, on the clock (requests take no clock time here).
      const writes: Array<{ t: number; holder: string }> = [];
      api.subscribe((ev) => {
        if (ev.resource === 'leases' && ev.type !== 'DELETED') writes.push({ t: clock.now(), holder: (ev.object.spec as { holderIdentity: string }).holderIdentity });
      });
      // The standby polls with the longest jitter; the leader dies at a different phase of its cycle each round.
      for (const [round, phase] of [0, 0.3, 0.6, 0.9, 1.1].entries()) {
        const [ida, idb] = [`a${round}`, `b${round}`];
        if (api.get('leases', 'mailu', 'lease')) api.remove('leases', 'mailu', 'lease');
        const a = elector(ida);
        const b = elector(idb, { random: () => 0.999 });
        a.e.start();
        await runUntil(clock, [ida], 'a leads', () => a.e.isLeader);
        b.e.start();
        let reads = 0;
        const unhook = api.addHook((i) => {
          if (i.method === 'GET' && i.resource?.plural === 'leases') reads++; // only b reads: a renews without reading
        });
        await runUntil(clock, [ida, idb], 'b read the lease twice', () => reads >= 2);
        unhook();
        const killAt = clock.now() + phase * RETRY;
        await runUntil(clock, [ida, idb], 'the kill phase', () => clock.now() >= killAt);
        await a.e.stop({ release: false }); // kill -9: no release, no more renewals
        const lastRenewal = writes.filter((w) => w.holder === ida).at(-1)!.t;
        await runUntil(clock, [idb], 'b leads', () => b.e.isLeader);
        const acquired = writes.find((w) => w.holder === idb)!.t;
        const after = Math.round(acquired - lastRenewal);
        assert.ok(after <= LEASE, `round ${round}: acquired ${after} ms after the last renewal (lease ${LEASE} ms)`);
        assert.ok(after >= LEASE - RETRY * (1 + JITTER), `round ${round}: acquired after ${after} ms, sooner than the rules allow`);
        assert.ok(after > RENEW_DEADLINE, `round ${round}: acquired after ${after} ms, while the old leader could still write`);
        await b.e.stop({ release: false });
      }
    }));

  it('Retry-After: a standby waits it out, up to the cap', () =>
    withWorld(async ({ api, clock, elector }) => {
      api.create('leases', { metadata: { name: 'lease', namespace: 'mailu' }, spec: { holderIdentity: 'someone', leaseDurationSeconds: 15, renewTime: new Date().toISOString() } });
      const { e } = elector('other', { random: () => 0 });
      e.start();
      await runUntil(clock, ['other'], 'standby read the lease', () => e.holder === 'someone');
      for (const [seconds, waited] of [[5, 5_000], [20, 20_000], [3600, 30_000]] as const) {
        const stop = api.injectErrors({ rate: 1, statuses: [429], retryAfterSeconds: seconds, match: (i) => i.resource?.plural === 'leases' });
        const refused = api.statusCounts.get(429) ?? 0;
        await nextRound(clock, 'other');
        await waitFor('refused', () => (api.statusCounts.get(429) ?? 0) > refused);
        await waitFor('rescheduled', () => clock.pending('lease other').length === 1);
        assert.equal(clock.timer('lease other').due - clock.now(), waited, `Retry-After: ${seconds}`);
        stop();
      }
    }));

  it('Retry-After: the leader waits it out only while it can still renew before its deadline', () =>
    withWorld(async ({ api, clock, elector }) => {
      const { e, calls } = elector('me');
      e.start();
      await runUntil(clock, ['me'], 'leading', () => e.isLeader);
      const renewedAt = () => Date.parse((api.get('leases', 'mailu', 'lease')!.spec as { renewTime: string }).renewTime);
      await nextRound(clock, 'me');
      await waitFor('renewed', () => clock.pending('lease me').length === 1);
      const last = renewedAt();
      // Retry-After: 30 would outlast the renew deadline: the leader keeps one retry period before it.
      const stop30 = api.injectErrors({ rate: 1, statuses: [503], retryAfterSeconds: 30, match: (i) => i.resource?.plural === 'leases' });
      await nextRound(clock, 'me');
      await waitFor('rescheduled', () => clock.pending('lease me').length === 1 && clock.timer('lease me').due > clock.now());
      assert.equal(clock.timer('lease me').due, last + RENEW_DEADLINE - RETRY);
      stop30();
      await nextRound(clock, 'me');
      await waitFor('renewed', () => clock.pending('lease me').length === 1 && renewedAt() > last);
      assert.equal(e.isLeader, true);
      // Retry-After: 5 leaves time before the deadline: waited out in full.
      const stop5 = api.injectErrors({ rate: 1, statuses: [429], retryAfterSeconds: 5, match: (i) => i.resource?.plural === 'leases' });
      await nextRound(clock, 'me');
      await waitFor('rescheduled', () => clock.pending('lease me').length === 1 && clock.timer('lease me').due > clock.now());
      assert.equal(clock.timer('lease me').due - clock.now(), 5_000);
      stop5();
      await nextRound(clock, 'me');
      await waitFor('renewed', () => clock.pending('lease me').length === 1);
      assert.equal(e.isLeader, true);
      assert.deepEqual(calls, ['started'], 'the leader never lost its lease to back-pressure');
    }));
});
