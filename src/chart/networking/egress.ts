// Outbound identity on Cilium: every mail-sending pod (smtp, fetchmail) leaves through the gateway
// node, so SPF and PTR only need the gateway's address. One policy per address family
// (model/egress.ts decides which: IPv6 only where Cilium routes it through the gateway).
import { Construct } from 'constructs';
import type { MailuConfig } from '../../config/schema.js';
import type { CiliumEgressPlan } from '../../model/egress.js';
import { instanceLabels } from '../../model/labels.js';
import { emit } from '../api.js';

type Gateway = Extract<MailuConfig['egress'], { mode: 'ciliumGateway' }>;

export interface CiliumEgressProps {
  instance: string;
  namespace: string;
  gateway: Gateway;
  /** The policies to write, one per family (decideCiliumEgress). */
  plans: CiliumEgressPlan[];
}

export const MAIL_SENDERS = ['smtp', 'fetchmail'];

export class CiliumEgress extends Construct {
  constructor(scope: Construct, id: string, props: CiliumEgressProps) {
    super(scope, id);
    for (const plan of props.plans) {
      emit(this, {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumEgressGatewayPolicy',
        // Cluster-scoped: the namespace goes into the selector, not the metadata.
        metadata: { name: `${props.namespace}-${props.instance}-mail-egress${plan.suffix}`, labels: instanceLabels(props.instance) },
        spec: {
          selectors: [
            {
              podSelector: {
                matchLabels: {
                  'io.kubernetes.pod.namespace': props.namespace,
                  'app.kubernetes.io/name': 'mailu',
                  'app.kubernetes.io/instance': props.instance,
                },
                matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: MAIL_SENDERS }],
              },
            },
          ],
          destinationCIDRs: plan.destinationCIDRs,
          excludedCIDRs: plan.excludedCIDRs,
          egressGateway: {
            nodeSelector: { matchLabels: props.gateway.nodeSelector },
            ...(plan.egressIP ? { egressIP: plan.egressIP } : {}),
            ...(plan.interface ? { interface: plan.interface } : {}),
          },
        },
      });
    }
  }
}
