// The opt-in NetworkPolicy in Traefik's namespace (exposure.traefik.entryPointPolicy): mail entry
// points only from outside the cluster and from Mailu's namespace; every other port unchanged.
// Applying it needs permission to write NetworkPolicies in Traefik's namespace.
import { Construct } from 'constructs';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { instanceLabels } from '../../model/labels.js';
import type { TraefikGuard } from '../../model/traefik-guard.js';
import { emit, type Manifest } from '../api.js';
import { policyPeers } from './network-policies.js';

export interface TraefikEntryPointPolicyProps {
  instance: string;
  guard: TraefikGuard;
}

export class TraefikEntryPointPolicy extends Construct {
  constructor(scope: Construct, id: string, props: TraefikEntryPointPolicyProps) {
    super(scope, id);
    const { instance, guard } = props;
    emit<NetworkPolicy & Manifest>(this, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${instance}-mail-entrypoints`, namespace: guard.namespace, labels: instanceLabels(instance) },
      spec: {
        podSelector: { matchLabels: guard.podLabels },
        policyTypes: ['Ingress'],
        ingress: [
          { from: guard.mailFrom.flatMap((p) => policyPeers(instance, p)), ports: guard.mailPorts.map((port) => ({ port, protocol: 'TCP' })) },
          // Selecting Traefik's pods makes them deny-by-default: keep its other entry points open.
          { ports: [...guard.otherTcp.map((r) => ({ ...r, protocol: 'TCP' })), { protocol: 'UDP' }] },
        ],
      },
    });
  }
}
