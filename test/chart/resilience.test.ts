// No single point of failure in what mailu-k8s adds: the validating resolver (every Mailu pod's
// only nameserver) runs at least two replicas spread over nodes with a disruption budget and a
// rollout that never takes both down; readiness never flips on one missed probe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/validation/index.js';
import { assertValid, cfg, render, type Rendered } from '../support/chart-helpers.js';

const resolver = (r: Rendered) => r.workload('resolver') as Deployment;
const budget = (r: Rendered) => r.get('PodDisruptionBudget', `${r.instance}-resolver`) as unknown as PodDisruptionBudget;

/** Pods a budget may lose at once, out of `replicas` healthy ones. */
function disruptionsAllowed(pdb: PodDisruptionBudget, replicas: number): number {
  const s = pdb.spec!;
  if (s.maxUnavailable !== undefined) return Number(s.maxUnavailable);
  return replicas - Number(s.minAvailable);
}

describe('resolver: no single point of failure', () => {
  it('runs two replicas by default, spread over nodes as a preference (a single node still runs both)', () => {
    const r = render(cfg());
    const d = resolver(r);
    assert.equal(d.spec?.replicas, 2);
    const spread = d.spec?.template.spec?.topologySpreadConstraints ?? [];
    const byHost = spread.find((c) => c.topologyKey === 'kubernetes.io/hostname');
    assert.ok(byHost, 'spread over kubernetes.io/hostname');
    assert.equal(byHost!.whenUnsatisfiable, 'ScheduleAnyway', 'a preference: never blocks scheduling on one node');
    assert.equal(byHost!.maxSkew, 1);
    assert.deepEqual(byHost!.labelSelector?.matchLabels, d.spec?.selector.matchLabels, 'counts exactly the resolver pods');
    assert.equal(d.spec?.template.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, undefined, 'no hard anti-affinity');
  });

  it('rolls one pod at a time and never below the replica count', () => {
    const d = resolver(render(cfg()));
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(d.spec?.strategy?.rollingUpdate?.maxUnavailable, 0, 'an old pod goes only after a new one is ready');
    assert.equal(d.spec?.strategy?.rollingUpdate?.maxSurge, 1);
  });

  it('has a PodDisruptionBudget that keeps one resolver up during drains, valid strictly', async (t) => {
    const r = render(cfg());
    const pdb = budget(r);
    assert.deepEqual(pdb.spec?.selector?.matchLabels, resolver(r).spec?.selector.matchLabels, 'selects exactly the resolver pods');
    assert.equal(disruptionsAllowed(pdb, 2), 1, 'with two replicas one may go, never both');
    assert.equal(pdb.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow', 'a broken pod never blocks a drain');
    await assertValid(t, r.objects);
  });

  it('resolver.replicas sets the count; the budget still allows one disruption at a time', async (t) => {
    const r = render(cfg({ resolver: { replicas: 3 } }));
    assert.equal(resolver(r).spec?.replicas, 3);
    assert.equal(disruptionsAllowed(budget(r), 3), 1);
    await assertValid(t, r.objects);
  });

  it('fewer than two replicas is refused', () => {
    assert.throws(
      () => parseConfig(cfg({ resolver: { replicas: 1 } })),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'resolver.replicas'),
    );
  });

  it('every Mailu pod still points at the one resolver Service address', () => {
    const r = render(cfg());
    const ip = r.service(`${r.instance}-resolver`).spec?.clusterIP;
    assert.deepEqual(r.podSpec('front').dnsConfig?.nameservers, [ip]);
  });
});

describe('readiness does not flip on one missed probe', () => {
  const full = render(cfg({ components: { webdav: true, fetchmail: true, tika: true } }));
  for (const comp of full.components()) {
    const probe = full.container(comp).readinessProbe;
    if (!probe) continue;
    it(`${comp}: unready only after at least three misses in a row`, () => {
      assert.ok((probe.failureThreshold ?? 3) >= 3, `failureThreshold ${probe.failureThreshold}`);
      const period = probe.periodSeconds ?? 10;
      assert.ok(period >= 5 && period <= 10, `period ${period}s: neither hammering nor slow to notice`);
    });
  }

  it('front: readiness gives up before liveness restarts it', () => {
    const c = full.container('front');
    const budget = (p: typeof c.readinessProbe) => (p?.periodSeconds ?? 10) * (p?.failureThreshold ?? 3);
    assert.ok(c.readinessProbe && c.livenessProbe);
    assert.ok(budget(c.readinessProbe) < budget(c.livenessProbe), 'out of the Service before a restart');
  });
});
