// What the operator needs from the Mailu config, derived once. The reconciler and the pure
// desired-state function read only this, never the config itself.
import type { MailuConfig } from '../config/schema.js';
import { decideEgress, gatewayCarriesIpv6 } from '../model/egress.js';
import { frontAddressOwner } from '../model/exposure.js';
import { OPERATOR_POD } from '../model/flows.js';
import { MANAGED_BY, objectLabels, selectorLabels } from '../model/labels.js';
import { isIpv6 } from '../model/net.js';
import type { NodeAddressTypes } from './facts.js';

export const DNSENDPOINT_GROUP = 'externaldns.k8s.io';
export const DNSENDPOINT_VERSION = 'v1alpha1';
export const DNSENDPOINT_PLURAL = 'dnsendpoints';
export const DNSENDPOINT_KIND = 'DNSEndpoint';

export type SpfSettings =
  | { managed: false }
  | {
      managed: true;
      domain: string;
      all: '-all' | '~all';
      include: string[];
      /** Static sender addresses/ranges added to the live ones (dns.spf.extraIps, egress.ipv6Addresses). */
      extraIpv4: string[];
      extraIpv6: string[];
      source:
        | { mode: 'nodeIps'; fallbackNodeSelector: Record<string, string> }
        | { mode: 'ciliumGateway'; gatewayNodeSelector: Record<string, string>; ipv6FromGateway: boolean };
    };

export interface OperatorSettings {
  instance: string;
  namespace: string;
  /** Names that get A/AAAA records (the primary hostname, or all of them). */
  hostnames: string[];
  ttl: number;
  onNoReadyPod: 'keep' | 'remove';
  /** external-dns annotation prefix; provider-specific keys are built from it. */
  annotationPrefix: string;
  /** The A/AAAA record follows the front pods (hostPort exposure without static addresses). */
  manageAddress: boolean;
  /** Node address type read per family (dns.operator.nodeAddressType). */
  addressTypes: NodeAddressTypes;
  /**
   * The cluster has IPv6 (cluster.podCidr6): only then do pods listen and send over IPv6, so only
   * then are nodes' IPv6 addresses published (AAAA, SPF ip6:). On a single-stack cluster a node's
   * IPv6 reaches no pod: an AAAA for it would be a dead MX address.
   */
  ipv6: boolean;
  spf: SpfSettings;
  names: { address: string; spf: string; lease: string };
  /** Labels selecting this instance's Mailu pods (front, smtp). */
  podSelector: Record<string, string>;
  frontComponent: string;
  smtpComponent: string;
  /** Labels on every object the operator writes; ownership is judged by them. */
  ownerLabels: Record<string, string>;
}

/**
 * Cilium 1.18+ on a dual-stack cluster sends IPv6 mail from the gateway node's own IPv6 address
 * unless egress.ipv6Addresses names it; older releases leave IPv6 to each pod's node, which the
 * config must then list (egress.ipv6Addresses), as the operator cannot know those nodes.
 */
function gatewayIpv6FromNode(config: MailuConfig): boolean {
  const e = config.egress;
  return e.mode === 'ciliumGateway' && config.cluster.podCidr6 !== undefined && gatewayCarriesIpv6(e) && e.ipv6Addresses.length === 0;
}

export function settingsFromConfig(config: MailuConfig): OperatorSettings {
  const op = config.dns.operator;
  const egress = decideEgress(config);
  let spf: SpfSettings = { managed: false };
  if (egress.liveFromOperator && (config.egress.mode === 'nodeIps' || config.egress.mode === 'ciliumGateway')) {
    const extra = [...config.dns.spf.extraIps, ...egress.senderIps];
    spf = {
      managed: true,
      domain: config.domain,
      all: config.dns.spf.all,
      include: egress.spfIncludes,
      extraIpv4: extra.filter((a) => !isIpv6(a)),
      extraIpv6: extra.filter((a) => isIpv6(a)),
      source:
        config.egress.mode === 'nodeIps'
          ? { mode: 'nodeIps', fallbackNodeSelector: { ...config.egress.nodeSelector } }
          : { mode: 'ciliumGateway', gatewayNodeSelector: { ...config.egress.nodeSelector }, ipv6FromGateway: gatewayIpv6FromNode(config) },
    };
  }
  const { 'app.kubernetes.io/component': _c, ...podSelector } = selectorLabels(config.instance, 'front');
  return {
    instance: config.instance,
    namespace: config.namespace,
    hostnames: op.allHostnames ? [...config.hostnames] : [config.hostnames[0]!],
    ttl: op.ttl,
    onNoReadyPod: op.onNoReadyPod,
    annotationPrefix: config.dns.externalDns.annotationPrefix,
    manageAddress: frontAddressOwner(config) === 'operator',
    addressTypes: { ...op.nodeAddressType },
    ipv6: config.cluster.podCidr6 !== undefined,
    spf,
    names: {
      address: `${config.instance}-front-address`,
      spf: `${config.instance}-spf`,
      lease: `${config.instance}-dns-operator`,
    },
    podSelector,
    frontComponent: 'front',
    smtpComponent: 'smtp',
    ownerLabels: objectLabels(config.instance, OPERATOR_POD),
  };
}

/** Objects this operator may modify or delete: all three ownership labels must match. */
export function isOwned(labels: Record<string, string> | undefined, settings: OperatorSettings): boolean {
  const l = labels ?? {};
  return (
    l['app.kubernetes.io/managed-by'] === MANAGED_BY &&
    l['app.kubernetes.io/instance'] === settings.instance &&
    l['app.kubernetes.io/component'] === settings.ownerLabels['app.kubernetes.io/component']
  );
}

export function labelSelectorText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
