// Traefik mode's opt-in NetworkPolicy in Traefik's namespace: the mail entry points admit the
// world and Mailu's own namespace but not other pods of the cluster (they would arrive inside
// SUBNET and could relay); every other Traefik port stays as open as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { parse } from 'yaml';
import { complement } from '../../src/model/traefik-guard.js';
import { assertValid, cfg, ingressAllows, INTERNET, INTERNET6, render, type Endpoint } from '../support/chart-helpers.js';

const TRAEFIK = { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' };
const traefikPod = (ns: string): Endpoint => ({ pod: { namespace: ns, labels: TRAEFIK }, ip: '10.42.1.9' });
const podAt = (ns: string, ip: string): Endpoint => ({ pod: { namespace: ns, labels: { app: 'x' } }, ip });
const exposure = (enabled: boolean, extra: Record<string, unknown> = {}) => ({
  mode: 'traefik' as const,
  ports: [25, 465, 587, 993],
  traefik: { trustedProxyCidrs: ['10.42.1.0/24'], entryPointPolicy: { enabled }, ...extra },
});

describe('Traefik entry-point NetworkPolicy (exposure.traefik.entryPointPolicy)', () => {
  it('is off by default, and the warning says how to turn it on', () => {
    const r = render(cfg({ web: { kind: 'traefik', realIpFrom: ['10.42.1.0/24'] }, exposure: exposure(false) }));
    assert.equal(r.all('NetworkPolicy').filter((p) => p.metadata.namespace !== r.namespace).length, 0);
    assert.ok(r.warnings.some((w) => /entryPointPolicy\.enabled: true/.test(w)), r.warnings.join('\n'));
  });

  for (const [name, cluster, ns] of [
    ['generic (Traefik in traefik)', { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', podCidr6: 'fd42::/56', serviceCidr6: 'fd43::/112' }, 'traefik'],
    ['k3s (Traefik in kube-system)', { distribution: 'k3s' as const }, 'kube-system'],
  ] as const) {
    it(`${name}: only the outside and Mailu reach the mail entry points; other ports unchanged`, async (t) => {
      const r = render(cfg({ cluster, web: { kind: 'traefik', realIpFrom: ['10.42.1.0/24'] }, exposure: exposure(true) }));
      await assertValid(t, r.objects);
      assert.ok(!r.warnings.some((w) => /passes each client's address on/.test(w)), 'no warning once the policy is emitted');
      const guard = r.all('NetworkPolicy').filter((p) => p.metadata.namespace === ns) as unknown as NetworkPolicy[];
      assert.equal(guard.length, 1, `one policy in ${ns}`);
      const policies = r.policies().concat(guard);
      const target = traefikPod(ns);
      // The mail entry points are the container ports traefik-values.yaml opens: read them there.
      const values = parse(r.result.files['traefik-values.yaml'] ?? r.result.files['traefik-helmchartconfig.yaml'] ?? '') as unknown;
      const mailPorts = [8025, 8465, 8587, 8993];
      assert.ok(JSON.stringify(values).includes('8025'), 'entry point ports come from the same table');
      for (const port of mailPorts) {
        assert.equal(ingressAllows(policies, INTERNET, target, port), true, `internet → ${port}`);
        assert.equal(ingressAllows(policies, podAt('default', '10.42.7.7'), target, port), false, `another namespace's pod → ${port}`);
        assert.equal(ingressAllows(policies, podAt(ns === 'traefik' ? 'apps' : 'kube-system', '10.43.0.99'), target, port), false, `service range → ${port}`);
        assert.equal(ingressAllows(policies, podAt(r.namespace, '10.42.3.3'), target, port), true, `Mailu's own pods → ${port}`);
      }
      if ('podCidr6' in cluster) {
        assert.equal(ingressAllows(policies, INTERNET6, target, 8025), true, 'IPv6 internet');
        assert.equal(ingressAllows(policies, podAt('default', 'fd42::7'), target, 8025), false, 'IPv6 pod range excluded');
      }
      for (const port of [8000, 8443, 9000, 9100, 1, 65535, 8024, 8026]) {
        assert.equal(ingressAllows(policies, podAt('default', '10.42.7.7'), target, port), true, `other port ${port} stays open`);
      }
      assert.equal(ingressAllows(policies, podAt('default', '10.42.7.7'), target, 8443, 'UDP'), true, 'HTTP/3 (UDP) stays open');
    });
  }

  it('a load balancer that sends PROXY to Traefik is admitted by its CIDRs', () => {
    const r = render(cfg({ web: { kind: 'traefik', realIpFrom: ['10.42.1.0/24'] }, exposure: exposure(true, { loadBalancerProxyCidrs: ['10.42.250.0/28'] }) }));
    const policies = r.all('NetworkPolicy') as unknown as NetworkPolicy[];
    assert.equal(ingressAllows(policies, podAt('metallb', '10.42.250.3'), traefikPod('traefik'), 8025), true);
  });

  it('complement() covers every other port exactly once', () => {
    assert.deepEqual(complement([8025, 8465]), [{ port: 1, endPort: 8024 }, { port: 8026, endPort: 8464 }, { port: 8466, endPort: 65535 }]);
    assert.deepEqual(complement([1, 3, 65535]), [{ port: 2 }, { port: 4, endPort: 65534 }]);
  });
});
