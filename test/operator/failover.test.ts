// Failover after kill -9, measured: three operator replicas as child processes, the leader killed
// with SIGKILL again and again (a new replica replacing each), a change made right after each
// kill. The bound the README states is checked on the API server's own timestamps: from the dead
// leader's last renewal (when the server stored it) to the new leader's DNSEndpoint write (when
// the server stored it) at most leaseDuration + retryPeriod × (1 + retryJitter). The elector
// guarantees it by construction (leader.ts); the jittered retry period is the reserve for the
// takeover's own requests, which on a busy machine is what this test leans on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failoverBoundMs } from '../../src/operator/timings.js';
import { pod } from '../support/kube-fixtures.js';
import { Cluster, GUARD_MS, Replica, replicaFiles, waitFor } from '../support/operator-harness.js';

const ADDR = 'mailu-front-address';
const IP = (n: number) => `203.0.113.${n}`;
/**
 * Shared by all replicas, as in one Deployment: short, so that a kill costs seconds, with the
 * proportions of the defaults (renew deadline 0.6 of the lease, retry period 0.2: its 0.96 s
 * reserve covers the takeover's requests even when the machine is busy).
 */
const TIMINGS = { leaseDurationMs: 4000, renewDeadlineMs: 2400, retryPeriodMs: 800, retryJitter: 0.2 };
const BOUND = failoverBoundMs(TIMINGS);
const ROUNDS = 3;
/** Replicas start through tsx: seconds each on a loaded machine. */
const START_GUARD = 3 * GUARD_MS;

describe('operator failover', () => {
  it(`kill -9 of the leader, ${ROUNDS} times with three replicas: pending changes published within ${BOUND} ms of the last renewal`, async (t) => {
    const c = await new Cluster().start();
    const replicas: Replica[] = [];
    const leaseWrites: Array<{ at: number; holder: string }> = [];
    c.api.subscribe((ev) => {
      if (ev.resource === 'leases') leaseWrites.push({ at: ev.time, holder: (ev.object.spec as { holderIdentity?: string }).holderIdentity ?? '' });
    });
    const holder = () => leaseWrites.at(-1)?.holder ?? '';
    const failovers: number[] = [];
    try {
      c.addNodes(['n1', { externalIPs: [IP(1)] }], ['n2', { externalIPs: [IP(2)] }], ['n3', { externalIPs: [IP(3)] }]);
      c.api.create('pods', pod('front-0', { nodeName: 'n1' }));
      const files = replicaFiles(c, {
        domain: 'example.com',
        hostnames: ['mail.example.com'],
        cluster: { podCidr: '10.42.0.0/16' },
        tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
        dns: { operator: { enabled: true } },
      });
      for (let i = 0; i < 3; i++) replicas.push(Replica.spawn(files, `replica-${i}`, TIMINGS));
      await waitFor('first record', () => c.targets().join() === IP(1), START_GUARD);
      for (let round = 1; round <= ROUNDS; round++) {
        const leaderId = holder();
        const leader = replicas.find((r) => r.identity === leaderId)!;
        const standbys = replicas.filter((r) => r !== leader && r.alive);
        // Every standby has read the lease of this leader, and the leader renewed twice since.
        await waitFor(
          'the standbys see the leader',
          () => standbys.every((s) => s.logged('standing by: the lease is held by another replica', (l) => l.holder === leaderId)),
          START_GUARD,
        );
        const seen = leaseWrites.length;
        await waitFor('two more renewals', () => leaseWrites.slice(seen).filter((w) => w.holder === leaderId).length >= 2);
        await leader.kill9();
        const lastRenewal = leaseWrites.filter((w) => w.holder === leaderId).at(-1)!.at;
        const to = (round % 3) + 1;
        c.api.remove('pods', 'mailu', `front-${round - 1}`);
        c.api.create('pods', pod(`front-${round}`, { nodeName: `n${to}` }));
        await waitFor(`round ${round}: published by a standby`, () => c.targets().join() === IP(to));
        const published = c.history.find((h) => h.name === ADDR && h.time > lastRenewal && h.targets.join() === IP(to))!.time;
        const newLeader = holder();
        assert.notEqual(newLeader, leaderId);
        assert.ok(standbys.some((s) => s.identity === newLeader), `round ${round}: taken over by a standby`);
        const took = published - lastRenewal;
        failovers.push(took);
        assert.ok(took <= BOUND, `round ${round}: published ${took.toFixed(0)} ms after the last renewal; bound ${BOUND} ms`);
        // A new pod replaces the killed one, as the Deployment would (started only now: loading
        // it through tsx takes the CPU the takeover above is measured on).
        replicas.push(Replica.spawn(files, `replica-${2 + round}`, TIMINGS));
      }
      t.diagnostic(`failover after kill -9 (last renewal -> record stored): ${failovers.map((f) => `${f.toFixed(0)} ms`).join(', ')}; bound ${BOUND} ms`);
    } catch (err) {
      const stderr = replicas.map((r) => r.errors).filter(Boolean).join('\n');
      throw stderr ? new Error(`${(err as Error).message}\nreplica stderr:\n${stderr}`) : err;
    } finally {
      await Promise.all(replicas.filter((r) => r.alive).map((r) => r.kill9()));
      await c.stop();
    }
  });
});
