// The lease elector on its own, against the Kubernetes API test server, with its clock in the
// test's hands: what isLeader says and what the callbacks report must never disagree.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { LeaseElector } from '../../src/operator/leader.js';
import { createLogger } from '../../src/operator/logger.js';
import { KubeApiServer } from '../support/kube-api-server.js';
import { waitFor } from '../support/operator-harness.js';

const RENEW_DEADLINE = 10_000;

async function withElector(fn: (e: LeaseElector, api: KubeApiServer, clock: { now: number }, calls: string[]) => Promise<void>): Promise<void> {
  const api = new KubeApiServer();
  await api.start();
  api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mailu' } });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  const clock = { now: 1_000_000 };
  const calls: string[] = [];
  const elector = new LeaseElector(kc, {
    namespace: 'mailu',
    name: 'lease',
    identity: 'me',
    leaseDurationMs: 15_000,
    renewDeadlineMs: RENEW_DEADLINE,
    // Renewals run on real timers; whether one is late is decided by the test's clock alone.
    retryPeriodMs: 10,
    log: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    onStartedLeading: () => calls.push('started'),
    onStoppedLeading: () => calls.push('stopped'),
    now: () => clock.now,
  });
  try {
    await fn(elector, api, clock, calls);
  } finally {
    await elector.stop({ release: false });
    await api.stop();
  }
}

describe('lease elector', () => {
  it('a renewal that comes after the renew deadline is reported as losing and regaining the lease', () =>
    withElector(async (e, api, clock, calls) => {
      e.start();
      await waitFor('leading', () => e.isLeader);
      assert.deepEqual(calls, ['started']);
      // The process stalls (a busy machine): no renewal for longer than the renew deadline.
      clock.now += RENEW_DEADLINE + 1;
      assert.equal(e.isLeader, false, 'not sure it still leads: the reconciler must not write');
      const puts = api.count('PUT leases');
      await waitFor('the next renewal went through', () => api.count('PUT leases') > puts);
      await waitFor('leading again', () => e.isLeader);
      // Writes skipped while isLeader was false are only redone if the new term is announced.
      assert.deepEqual(calls, ['started', 'stopped', 'started']);
    }));

  it('timely renewals keep one term: no callbacks between them', () =>
    withElector(async (e, api, clock, calls) => {
      e.start();
      await waitFor('leading', () => e.isLeader);
      for (let i = 0; i < 3; i++) {
        clock.now += RENEW_DEADLINE - 1;
        const puts = api.count('PUT leases');
        // Two more PUTs: steps run one after another, so the first has finished by the second.
        await waitFor('renewed', () => api.count('PUT leases') > puts + 1);
        assert.equal(e.isLeader, true);
      }
      assert.deepEqual(calls, ['started']);
    }));
});
