// Deleting the output must not delete the user's data: by default the Namespace (which holds the
// user's Secrets and every claim) is not part of the output; owning it is opt-in. Objects holding
// data tell GitOps tools to keep them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { assertValid, cfg, render } from '../support/chart-helpers.js';

const KEEP = {
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};

describe('namespace ownership', () => {
  it('by default the output has no Namespace, no Secret, and every object names the namespace', () => {
    const r = render(cfg());
    // What `kubectl delete -f/-k` on the output would remove is exactly these objects.
    assert.equal(r.all('Namespace').length, 0);
    assert.equal(r.all('Secret').length, 0);
    for (const o of r.objects) assert.equal(o.metadata.namespace, 'mailu', `${o.kind}/${o.metadata.name}`);
  });

  it('--split: kustomization.yaml lists no Namespace by default', () => {
    const r = render(cfg(), { split: true });
    const resources = parse(r.result.files['kustomization.yaml']!).resources as string[];
    assert.ok(resources.length > 0);
    assert.ok(!resources.some((f) => f.startsWith('namespace-')), resources.join(', '));
  });

  it('manageNamespace: true emits it with the Pod Security level front needs, valid strictly', async (t) => {
    const host = render(cfg({ manageNamespace: true }));
    const ns = host.get('Namespace', 'mailu');
    assert.equal(ns.metadata.namespace, undefined, 'cluster-scoped');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'privileged', 'hostPort needs privileged');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/warn'], 'baseline');
    assert.equal(host.podSpec('front').containers[0]!.ports!.some((p) => p.hostPort !== undefined), true);
    const lb = render(cfg({ manageNamespace: true, exposure: { mode: 'loadBalancer' } }));
    assert.equal(lb.get('Namespace', 'mailu').metadata.labels?.['pod-security.kubernetes.io/enforce'], 'baseline');
    await assertValid(t, host.objects);
  });
});

describe('objects that hold data', () => {
  it('every claim asks Argo CD and Flux never to prune or delete it', () => {
    for (const config of [cfg(), cfg({ storage: { mode: 'shared' } })]) {
      const claims = render(config).all('PersistentVolumeClaim');
      assert.ok(claims.length > 0);
      for (const c of claims) {
        for (const [k, v] of Object.entries(KEEP)) assert.equal(c.metadata.annotations?.[k], v, `${c.metadata.name} ${k}`);
      }
    }
  });

  it('so does the CloudNativePG Cluster (deleting it deletes its volumes)', async (t) => {
    const r = render(cfg({ database: { type: 'cnpg' } }));
    const cluster = r.get('Cluster', 'mailu-db');
    for (const [k, v] of Object.entries(KEEP)) assert.equal(cluster.metadata.annotations?.[k], v, k);
    await assertValid(t, r.objects);
  });

  it('stateless objects carry no such annotation (they may be pruned freely)', () => {
    const r = render(cfg());
    for (const o of [...r.all('Deployment'), ...r.all('Service'), ...r.all('ConfigMap')]) {
      assert.equal(o.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune'], undefined, `${o.kind}/${o.metadata.name}`);
    }
  });
});
