// Warnings about IPv6 mail on a dual-stack cluster: receivers that prefer IPv6 (Gmail does) see
// the IPv6 source address, and reject mail whose sender lacks SPF and a matching PTR. Each egress
// mode names the field that makes its IPv6 senders known.
import type { MailuConfig } from '../config/schema.js';
import { CILIUM_IPV6_EGRESS, decideEgress, gatewayCarriesIpv6 } from './egress.js';
import { isIpv6 } from './net.js';

type Egress<M extends MailuConfig['egress']['mode']> = Extract<MailuConfig['egress'], { mode: M }>;

export function ciliumIpv6Warnings(config: MailuConfig, e: Egress<'ciliumGateway'>): string[] {
  if (!config.cluster.podCidr6) return [];
  if (!gatewayCarriesIpv6(e)) {
    return [
      `egress.mode ciliumGateway with cluster.podCidr6: before Cilium ${CILIUM_IPV6_EGRESS} the gateway carries IPv4 only and IPv6 mail leaves from each node's own IPv6 address; list those in egress.ipv6Addresses so SPF and PTR cover them (on Cilium ${CILIUM_IPV6_EGRESS} or later set egress.ciliumVersion: "${CILIUM_IPV6_EGRESS}" to route IPv6 through the gateway too)`,
    ];
  }
  // Only an operator that keeps SPF live follows the gateway's IPv6; with static publicIPs it does not.
  if (e.ipv6Addresses.length === 0 && !decideEgress(config).liveFromOperator) {
    return [
      `egress.ipv6Addresses is empty: with Cilium ${e.ciliumVersion} IPv6 mail leaves through the gateway from the first IPv6 address of ${e.interface ? `interface ${e.interface}` : 'its default-route interface'}; list that address so SPF and PTR cover it`,
    ];
  }
  return [];
}

export function nodeIpsIpv6Warnings(config: MailuConfig, e: Egress<'nodeIps'>): string[] {
  if (!config.cluster.podCidr6 || e.addresses.length === 0 || e.addresses.some(isIpv6)) return [];
  return [
    'egress.addresses lists no IPv6 address but the cluster is dual-stack (cluster.podCidr6): smtp reaches IPv6 receivers from the sender nodes\' IPv6 addresses, which SPF and PTR then miss; add them to egress.addresses',
  ];
}
