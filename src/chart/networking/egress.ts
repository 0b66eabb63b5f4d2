// Outbound identity on Cilium: every mail-sending pod (smtp, fetchmail) leaves through the gateway
// node, so SPF and PTR only need the gateway's address.
import { Construct } from 'constructs';
import type { MailuConfig } from '../../config/schema.js';
import { instanceLabels } from '../../model/labels.js';
import { emit } from '../api.js';

type Gateway = Extract<MailuConfig['egress'], { mode: 'ciliumGateway' }>;

export interface CiliumEgressProps {
  instance: string;
  namespace: string;
  gateway: Gateway;
  /** Cluster-internal ranges that must not be SNATed (pod and service CIDRs). */
  excluded: string[];
}

export const MAIL_SENDERS = ['smtp', 'fetchmail'];

export class CiliumEgress extends Construct {
  constructor(scope: Construct, id: string, props: CiliumEgressProps) {
    super(scope, id);
    const g = props.gateway;
    emit(this, {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumEgressGatewayPolicy',
      // Cluster-scoped: the namespace goes into the selector, not the metadata.
      metadata: { name: `${props.namespace}-${props.instance}-mail-egress`, labels: instanceLabels(props.instance) },
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
        destinationCIDRs: ['0.0.0.0/0'],
        excludedCIDRs: props.excluded,
        egressGateway: {
          nodeSelector: { matchLabels: g.nodeSelector },
          ...(g.egressIP ? { egressIP: g.egressIP } : {}),
          ...(g.interface ? { interface: g.interface } : {}),
        },
      },
    });
  }
}
