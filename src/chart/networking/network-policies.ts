// NetworkPolicies rendered from the model's call graph: default-deny for the namespace, then one
// policy per local peer holding exactly the flows that start or end there.
import { Construct } from 'constructs';
import type { NetworkPolicy, NetworkPolicyPeer } from 'kubernetes-types/networking/v1.js';
import type { Flow, Peer } from '../../model/flows.js';
import { instanceLabels, objectLabels, selectorLabels } from '../../model/labels.js';
import { covers } from '../../model/net.js';
import { emit, type Manifest } from '../api.js';

export interface NetworkPoliciesProps {
  instance: string;
  namespace: string;
  flows: Flow[];
}

type LocalPeer = Extract<Peer, { kind: 'component' } | { kind: 'pods' }>;

function localKey(p: Peer): string | undefined {
  if (p.kind === 'component') return p.component;
  if (p.kind === 'pods') return p.name;
  return undefined;
}

/** A model peer as NetworkPolicy peers (pod/namespace selectors or ipBlocks). */
export function policyPeers(instance: string, p: Peer): NetworkPolicyPeer[] {
  switch (p.kind) {
    case 'component':
      return [{ podSelector: { matchLabels: selectorLabels(instance, p.component) } }];
    case 'pods':
      return [{ podSelector: { matchLabels: p.labels } }];
    case 'namespace':
      return [
        {
          namespaceSelector: p.namespace ? { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } : {},
          ...(p.labels ? { podSelector: { matchLabels: p.labels } } : {}),
        },
      ];
    case 'cidrs':
      return p.cidrs.map((cidr) => {
        // An except must lie inside its cidr (the API server refuses others): each family keeps its own.
        const except = p.except.filter((x) => covers(cidr, x));
        return { ipBlock: { cidr, ...(except.length > 0 ? { except } : {}) } };
      });
  }
}

export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const { instance, namespace, flows } = props;
    const toPeers = (p: Peer) => policyPeers(instance, p);

    emit<NetworkPolicy & Manifest>(this, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${instance}-default-deny`, namespace, labels: instanceLabels(instance) },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    // Every local peer, in first-seen order (deterministic).
    const locals = new Map<string, LocalPeer>();
    for (const f of flows) {
      for (const p of [f.from, f.to]) {
        const k = localKey(p);
        if (k && !locals.has(k)) locals.set(k, p as LocalPeer);
      }
    }
    for (const [key, peer] of locals) {
      const ingress = flows.filter((f) => localKey(f.to) === key);
      const egress = flows.filter((f) => localKey(f.from) === key);
      const ports = (f: Flow) => f.ports.map((p) => ({ port: p.port, protocol: p.protocol }));
      emit<NetworkPolicy & Manifest>(this, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `${instance}-${key}`, namespace, labels: objectLabels(instance, key) },
        spec: {
          podSelector: { matchLabels: peer.kind === 'component' ? selectorLabels(instance, peer.component) : peer.labels },
          policyTypes: ['Ingress', 'Egress'],
          ingress: ingress.map((f) => ({ from: toPeers(f.from), ports: ports(f) })),
          egress: egress.map((f) => ({ to: toPeers(f.to), ports: ports(f) })),
        },
      });
    }
  }
}
