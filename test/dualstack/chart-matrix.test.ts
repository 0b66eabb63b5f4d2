// Dual-stack matrix: every exposure (hostPort, loadBalancer, traefik) × every egress (nodeIps,
// ciliumGateway on a Cilium without and with IPv6 egress, relay) on a cluster with IPv6 pod and
// service ranges. Each combination must validate strictly and give IPv6 what IPv4 gets: the same
// reachability through the NetworkPolicies (with both cluster ranges of each family excluded), the
// IPv6 ranges in the trust lists, a dual-stack public Service, and the gateway route for IPv6
// where Cilium supports it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { assertValid, BASE, INTERNET, INTERNET6, mayConnect, render, strList, type Endpoint, type Manifest, type Rendered } from '../support/chart-helpers.js';

const CLUSTER = { podCidr: '10.42.0.0/16,2001:db8:42::/56', serviceCidr: '10.43.0.0/16,2001:db8:43::/112' };
const POD6 = '2001:db8:42::/56';
const SVC6 = '2001:db8:43::/112';
const GATEWAY = { 'egress.example.com/gateway': 'true' };

const EXPOSURES: Record<string, Partial<MailuConfigInput>> = {
  hostPort: { exposure: { mode: 'hostPort' } },
  loadBalancer: { exposure: { mode: 'loadBalancer' } },
  traefik: {
    exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/16', POD6], entryPointPolicy: { enabled: true } } },
    web: { kind: 'traefik', realIpFrom: ['10.42.0.0/16', POD6] },
  },
};

const EGRESSES: Record<string, Partial<MailuConfigInput>> = {
  nodeIps: { egress: { mode: 'nodeIps', addresses: ['203.0.113.10', '2001:db8:1::10'] } },
  'ciliumGateway (1.16)': {
    egress: { mode: 'ciliumGateway', nodeSelector: GATEWAY, egressIP: '192.0.2.25', publicIPs: ['203.0.113.25'], ipv6Addresses: ['2001:db8:1::11', '2001:db8:1::12'], ciliumVersion: '1.16' },
  },
  'ciliumGateway (1.18)': {
    egress: { mode: 'ciliumGateway', nodeSelector: GATEWAY, egressIP: '192.0.2.25', publicIPs: ['203.0.113.25'], ipv6Addresses: ['2001:db8:1::25'], ciliumVersion: '1.18' },
  },
  relay: { egress: { mode: 'relay', host: 'smtp.relay.example.net', port: 587, spfInclude: ['spf.relay.example.net'] } },
};

function config(exposure: string, egress: string): MailuConfigInput {
  return { ...BASE, cluster: CLUSTER, dns: { addresses: ['203.0.113.10', '2001:db8:1::10'] }, ...EXPOSURES[exposure], ...EGRESSES[egress] } as MailuConfigInput;
}

const podAt = (namespace: string, ip: string): Endpoint => ({ pod: { namespace, labels: { app: 'x' } }, ip });

/** An endpoint inside each cluster range: none may reach front's public ports. */
const CLUSTER_SOURCES: [string, Endpoint][] = [
  ['IPv4 pod', podAt('other', '10.42.9.9')],
  ['IPv4 service range', podAt('other', '10.43.0.99')],
  ['IPv6 pod', podAt('other', '2001:db8:42::9')],
  ['IPv6 service range', podAt('other', '2001:db8:43::99')],
];

interface Cegp extends Manifest {
  spec: { destinationCIDRs: string[]; excludedCIDRs?: string[]; egressGateway: { egressIP?: string; interface?: string } };
}

function checkFront(r: Rendered, exposure: string): void {
  const front = r.pod('front');
  const policies = r.policies();
  if (exposure === 'traefik') {
    // Traefik reaches front; its entry points are guarded in its own namespace (below).
    const guard = r.get('NetworkPolicy', `${r.instance}-mail-entrypoints`) as unknown as { spec: { podSelector: { matchLabels: Record<string, string> } } };
    const traefikPod = (ip: string): Endpoint => ({ pod: { namespace: 'traefik', labels: guard.spec.podSelector.matchLabels }, ip });
    for (const [family, ip] of [['IPv4', INTERNET], ['IPv6', INTERNET6]] as const) {
      assert.equal(mayConnect(policies, ip, traefikPod(family === 'IPv4' ? '10.42.1.1' : '2001:db8:42::1'), 8025), true, `${family} internet → Traefik's 25 entry point`);
    }
    for (const [what, src] of CLUSTER_SOURCES) assert.equal(mayConnect(policies, src, traefikPod('10.42.1.1'), 8025), false, `${what} → Traefik's 25 entry point`);
    return;
  }
  for (const [family, ip] of [['IPv4', INTERNET], ['IPv6', INTERNET6]] as const) {
    for (const port of [25, 465, 587, 993]) assert.equal(mayConnect(policies, ip, front, port), true, `${family} internet → front:${port}`);
  }
  for (const [what, src] of CLUSTER_SOURCES) assert.equal(mayConnect(policies, src, front, 25), false, `${what} → front:25 (inside SUBNET/SUBNET6)`);
}

function checkSmtpOut(r: Rendered, egress: string): void {
  const port = egress === 'relay' ? 587 : 25;
  const policies = r.policies();
  for (const [family, ip] of [['IPv4', INTERNET], ['IPv6', INTERNET6]] as const) {
    assert.equal(mayConnect(policies, r.pod('smtp'), ip, port), true, `smtp → ${family} internet:${port}`);
  }
  assert.equal(mayConnect(policies, r.pod('smtp'), { ip: '2001:db8:43::99' }, port), false, 'smtp → IPv6 service range stays closed');
}

function checkEgressObjects(r: Rendered, egress: string): Cegp[] {
  const cegps = r.all('CiliumEgressGatewayPolicy') as Cegp[];
  if (!egress.startsWith('ciliumGateway')) {
    assert.equal(cegps.length, 0);
    return cegps;
  }
  const v4 = cegps.find((p) => p.spec.destinationCIDRs.includes('0.0.0.0/0'));
  assert.ok(v4, 'the IPv4 policy');
  assert.deepEqual(v4.spec.excludedCIDRs, ['10.42.0.0/16', '10.43.0.0/16']);
  assert.equal(v4.spec.egressGateway.egressIP, '192.0.2.25');
  const v6 = cegps.find((p) => p.spec.destinationCIDRs.includes('::/0'));
  if (egress.includes('1.16')) {
    assert.equal(v6, undefined, 'Cilium before 1.18 gets no IPv6 route (its CRD refuses IPv6 CIDRs)');
    assert.ok(r.warnings.some((w) => /before Cilium 1\.18/.test(w) && /ipv6Addresses/.test(w)), r.warnings.join('\n'));
  } else {
    assert.ok(v6, 'the IPv6 policy on Cilium 1.18');
    assert.deepEqual(v6.spec.destinationCIDRs, ['::/0']);
    assert.deepEqual(v6.spec.excludedCIDRs, [POD6, SVC6]);
    assert.equal(v6.spec.egressGateway.egressIP, undefined, 'the IPv4 egressIP cannot name the IPv6 source');
    assert.ok(!r.warnings.some((w) => /before Cilium 1\.18/.test(w)), r.warnings.join('\n'));
  }
  return cegps;
}

function checkTrust(r: Rendered, exposure: string): void {
  const env = r.env();
  assert.equal(env.SUBNET, '10.42.0.0/16');
  assert.equal(env.SUBNET6, POD6);
  if (exposure === 'traefik') {
    assert.deepEqual(strList(env.REAL_IP_FROM).sort(), ['10.42.0.0/16', POD6].sort(), 'PROXY trust holds both families');
  }
}

function checkPublicService(r: Rendered, exposure: string): void {
  if (exposure === 'loadBalancer') {
    const spec = r.service(`${r.instance}-front-public`).spec!;
    assert.equal(spec.type, 'LoadBalancer');
    assert.equal(spec.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(spec.ipFamilies, ['IPv4', 'IPv6']);
  }
  if (exposure === 'hostPort') {
    for (const p of r.container('front').ports ?? []) {
      if (p.hostPort !== undefined) assert.equal(p.hostIP, undefined, `hostPort ${p.hostPort} is bound on every address of both families`);
    }
    assert.ok((r.container('front').ports ?? []).some((p) => p.hostPort === 25));
  }
  if (exposure === 'traefik') {
    const file = r.result.files['traefik-values.yaml'];
    assert.ok(file, 'traefik-values.yaml');
    const values = parse(file) as { ports: Record<string, Record<string, unknown>>; service: Record<string, unknown> };
    assert.equal(values.service.ipFamilyPolicy, 'PreferDualStack');
    assert.deepEqual(values.service.ipFamilies, ['IPv4', 'IPv6']);
    for (const [name, ep] of Object.entries(values.ports)) {
      // The chart renders --entryPoints.<name>.address=:<port>/tcp from `port` alone.
      assert.equal(typeof ep.port, 'number', name);
      assert.deepEqual(Object.keys(ep).filter((k) => /address|host|ip$/i.test(k)), [], `${name} names no listen address`);
    }
  }
}

describe('dual-stack matrix (exposure × egress)', () => {
  for (const exposure of Object.keys(EXPOSURES)) {
    for (const egress of Object.keys(EGRESSES)) {
      it(`${exposure} × ${egress}: strictly valid, IPv6 gets what IPv4 gets`, async (t) => {
        const r = render(config(exposure, egress));
        const cilium = egress.includes('1.18') ? '1.18' : '1.14';
        await assertValid(t, r.objects, { cilium });
        checkFront(r, exposure);
        checkSmtpOut(r, egress);
        checkTrust(r, exposure);
        checkPublicService(r, exposure);
        checkEgressObjects(r, egress);
      });
    }
  }
});
