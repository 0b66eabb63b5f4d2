// Outbound identity: the Cilium egress gateway policy (which pods, which destinations, which
// gateway), sender node pinning for nodeIps, and relay wiring.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import { INTERNET, assertValid, cfg, cidrCovers, mayConnect, render, type Manifest, type Rendered } from '../support/chart-helpers.js';

interface Cegp extends Manifest {
  spec: {
    selectors: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[];
    destinationCIDRs: string[];
    excludedCIDRs?: string[];
    egressGateway: { nodeSelector: LabelSelector; egressIP?: string; interface?: string };
  };
}

const GATEWAY = { 'egress.example.com/gateway': 'true' };
const cilium = (over: Record<string, unknown> = {}, cluster?: Record<string, unknown>) =>
  cfg({
    ...(cluster ? { cluster: cluster as { podCidr: string } } : {}),
    components: { fetchmail: true, webdav: true, tika: true },
    egress: { mode: 'ciliumGateway', nodeSelector: GATEWAY, egressIP: '192.0.2.25', publicIPs: ['203.0.113.25'], ...over },
  });

function policy(r: Rendered): Cegp {
  const all = r.all('CiliumEgressGatewayPolicy') as Cegp[];
  assert.equal(all.length, 1);
  return all[0]!;
}

/** Does a Cilium selector pick this pod? Cilium exposes the namespace as a pod label. */
function matches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  if (!Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (sel.matchExpressions ?? []).every((e) => {
    assert.equal(e.operator, 'In', 'only In expressions are expected here');
    return (e.values ?? []).includes(labels[e.key] ?? '\0');
  });
}
function selected(p: Cegp, namespace: string, labels: Record<string, string>): boolean {
  const withNs = { ...labels, 'io.kubernetes.pod.namespace': namespace };
  return p.spec.selectors.some((s) => matches(s.podSelector, withNs) && (!s.namespaceSelector || matches(s.namespaceSelector, { 'kubernetes.io/metadata.name': namespace })));
}

describe('Cilium egress gateway', () => {
  it('selects exactly smtp and fetchmail of this instance in this namespace', async (t) => {
    const r = render(cilium());
    const p = policy(r);
    await assertValid(t, r.objects);
    for (const comp of r.components()) {
      assert.equal(selected(p, r.namespace, r.podLabels(comp)), comp === 'smtp' || comp === 'fetchmail', comp);
    }
    assert.equal(selected(p, 'other', r.podLabels('smtp')), false, 'an smtp pod in another namespace');
    assert.equal(selected(p, r.namespace, { ...r.podLabels('smtp'), 'app.kubernetes.io/instance': 'other' }), false, 'another instance');
  });

  it('sends everything but cluster-internal traffic through the gateway', () => {
    const p = policy(render(cilium({}, { podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' })));
    assert.deepEqual(p.spec.destinationCIDRs, ['0.0.0.0/0']);
    const excluded = p.spec.excludedCIDRs ?? [];
    assert.ok(excluded.some((c) => cidrCovers(c, '10.244.0.0/16')), 'pod CIDR excluded');
    assert.ok(excluded.some((c) => cidrCovers(c, '10.96.0.0/12')), 'service CIDR excluded');
    assert.ok(!excluded.some((c) => cidrCovers(c, '203.0.113.0/24')), 'the internet is not excluded');
  });

  it('is cluster-scoped and named per namespace and instance', () => {
    const a = policy(render(cilium()));
    const b = policy(render({ ...cilium(), namespace: 'mail2', instance: 'm2' }));
    assert.equal(a.metadata.namespace, undefined);
    assert.notEqual(a.metadata.name, b.metadata.name);
  });

  it('egressIP xor interface', async (t) => {
    const ip = policy(render(cilium()));
    assert.equal(ip.spec.egressGateway.egressIP, '192.0.2.25');
    assert.equal(ip.spec.egressGateway.interface, undefined);
    assert.deepEqual(ip.spec.egressGateway.nodeSelector, { matchLabels: GATEWAY });

    const rIf = render(cilium({ egressIP: undefined, interface: 'eth1' }));
    const itf = policy(rIf);
    assert.equal(itf.spec.egressGateway.interface, 'eth1');
    assert.equal(itf.spec.egressGateway.egressIP, undefined);
    await assertValid(t, rIf.objects);

    assert.throws(
      () => parseConfig(cilium({ interface: 'eth1' })),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'egress.interface' && /not both/.test(i.message)),
    );
  });

  it('refuses an IPv6 egressIP and a gateway without a node selector', () => {
    assert.throws(() => parseConfig(cilium({ egressIP: '2001:db8::25' })), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'egress.egressIP'));
    assert.throws(() => parseConfig(cilium({ nodeSelector: {} })), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'egress.nodeSelector'));
  });

  it('warns that IPv6 mail bypasses the gateway on a dual-stack cluster', () => {
    const { warnings } = parseConfigWithWarnings(cilium({}, { podCidr: '10.42.0.0/16', podCidr6: 'fd42::/56', serviceCidr6: 'fd43::/112' }));
    assert.ok(warnings.some((w) => /IPv6/.test(w) && /egress/.test(w)), warnings.join('\n'));
  });

  it('does not pin smtp to nodes (the gateway decides the source address)', () => {
    const r = render(cilium());
    assert.equal(r.podSpec('smtp').nodeSelector, undefined);
    assert.equal(mayConnect(r.policies(), r.pod('smtp'), INTERNET, 25), true);
  });
});

describe('nodeIps egress', () => {
  it('pins the mail senders (smtp, fetchmail) and only them to the sender nodes', () => {
    const sel = { 'mail.example.com/sender': 'true' };
    const r = render(cfg({ components: { fetchmail: true }, egress: { mode: 'nodeIps', addresses: ['203.0.113.10'], nodeSelector: sel } }));
    for (const comp of r.components()) {
      assert.deepEqual(r.podSpec(comp).nodeSelector, comp === 'smtp' || comp === 'fetchmail' ? sel : undefined, comp);
    }
    assert.equal(r.all('CiliumEgressGatewayPolicy').length, 0);
  });
});

describe('relay egress', () => {
  const relay = (port?: number) =>
    cfg({ egress: { mode: 'relay', host: 'smtp.relay.example.net', ...(port ? { port } : {}), secret: { name: 'relay-creds', usernameKey: 'user', passwordKey: 'pass' } } });

  it('wires RELAYHOST and the credentials as secret references', () => {
    const r = render(relay());
    assert.equal(r.env().RELAYHOST, '[smtp.relay.example.net]:587');
    const env = r.container('smtp').env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'RELAYUSER')?.valueFrom, { secretKeyRef: { name: 'relay-creds', key: 'user' } });
    assert.deepEqual(env.find((e) => e.name === 'RELAYPASSWORD')?.valueFrom, { secretKeyRef: { name: 'relay-creds', key: 'pass' } });
    assert.ok(!('RELAYPASSWORD' in r.env()) && !('RELAYUSER' in r.env()));
  });

  it('lets smtp reach the relay port only', () => {
    const r = render(relay(2525));
    assert.equal(r.env().RELAYHOST, '[smtp.relay.example.net]:2525');
    const policies = r.policies();
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 2525), true);
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 25), false);
    assert.equal(mayConnect(policies, r.pod('smtp'), INTERNET, 587), false);
  });
});
