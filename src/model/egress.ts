// Who sends Mailu's outbound mail, as receivers see it: the IPs SPF must list and PTR must name.
import type { MailuConfig } from '../config/schema.js';
import { sortIps } from './net.js';

export interface EgressIdentity {
  mode: MailuConfig['egress']['mode'];
  /** Sending addresses known from the config (SPF ip4/ip6 terms). */
  senderIps: string[];
  /** Where each sender came from (field path → entries, `include:` for domains), for messages. */
  senderSources: { path: string; entries: string[] }[];
  /** include: domains for SPF (relay provider, user extras). */
  spfIncludes: string[];
  /** The operator computes the sending IPs from live nodes (SPF record is not static). */
  liveFromOperator: boolean;
  /** nodeSelector for pods that send mail to the internet (smtp, fetchmail). */
  senderNodeSelector: Record<string, string>;
  /** The ciliumGateway policy leaves IPv6 unhandled (Cilium before 1.18, or ciliumVersion unset): say so. */
  ipv6Caveat: boolean;
}

export function decideEgress(config: MailuConfig): EgressIdentity {
  const e = config.egress;
  const operator = config.dns.operator.enabled;
  const includes = [...config.dns.spf.include];
  switch (e.mode) {
    case 'nodeIps':
      return {
        mode: e.mode,
        senderIps: sortIps(e.addresses),
        senderSources: [{ path: 'egress.addresses', entries: e.addresses }],
        spfIncludes: includes,
        liveFromOperator: operator && e.addresses.length === 0,
        senderNodeSelector: { ...e.nodeSelector },
        ipv6Caveat: false,
      };
    case 'ciliumGateway': {
      // Receivers see the public IPs after provider NAT; without them, the egress IP itself.
      const v4 = e.publicIPs.length > 0 ? { path: 'egress.publicIPs', entries: e.publicIPs } : { path: 'egress.egressIP', entries: e.egressIP ? [e.egressIP] : [] };
      return {
        mode: e.mode,
        senderIps: sortIps([...v4.entries, ...e.ipv6Addresses]),
        senderSources: [v4, { path: 'egress.ipv6Addresses', entries: e.ipv6Addresses }],
        spfIncludes: includes,
        liveFromOperator: operator && v4.entries.length === 0,
        senderNodeSelector: {},
        ipv6Caveat: config.cluster.podCidr6 !== undefined && !gatewayCarriesIpv6(e),
      };
    }
    case 'relay':
      return {
        mode: e.mode,
        senderIps: [],
        senderSources: [{ path: 'egress.spfInclude', entries: e.spfInclude.map((d) => `include:${d}`) }],
        spfIncludes: [...e.spfInclude, ...includes],
        liveFromOperator: false,
        senderNodeSelector: {},
        ipv6Caveat: false,
      };
  }
}

// ---------------------------------------------------------------- Cilium egress gateway

type Gateway = Extract<MailuConfig['egress'], { mode: 'ciliumGateway' }>;

/**
 * The first Cilium release whose egress gateway carries IPv6: destinationCIDRs and excludedCIDRs
 * take IPv6 ranges, and IPv6 traffic is SNATed to the first IPv6 address of the gateway's
 * interface (`interface`, or the one holding the default route). Before it, IPv6 leaves from
 * each pod's own node.
 */
export const CILIUM_IPV6_EGRESS = '1.18';

/** Does the configured Cilium route IPv6 through the gateway? Unset: assume an older one. */
export function gatewayCarriesIpv6(g: Pick<Gateway, 'ciliumVersion'>): boolean {
  if (!g.ciliumVersion) return false;
  const [major, minor] = g.ciliumVersion.split('.').map(Number);
  const [reqMajor, reqMinor] = CILIUM_IPV6_EGRESS.split('.').map(Number);
  return major! > reqMajor! || (major === reqMajor && minor! >= reqMinor!);
}

/** One CiliumEgressGatewayPolicy: which destinations leave through the gateway, with which source. */
export interface CiliumEgressPlan {
  /** Appended to the policy name ("" for IPv4, "-v6" for IPv6). */
  suffix: string;
  destinationCIDRs: string[];
  /** The cluster's own ranges of that family: never SNATed. */
  excludedCIDRs: string[];
  egressIP?: string;
  interface?: string;
}

/**
 * The gateway policies: always IPv4; on a dual-stack cluster with Cilium 1.18+ a second one for
 * IPv6. One family per policy, because the IPv4 egressIP cannot name the IPv6 source (Cilium
 * releases that accept an IPv6 egressIP require every destination CIDR of a policy with an
 * egressIP to be of its family), and a policy per family works the same on every release
 * since 1.18. The IPv6 policy uses `interface` when set (its first IPv6 address), else the
 * interface of the IPv6 default route.
 */
export function decideCiliumEgress(config: MailuConfig): CiliumEgressPlan[] {
  const e = config.egress;
  if (e.mode !== 'ciliumGateway') return [];
  const c = config.cluster;
  const v4: CiliumEgressPlan = {
    suffix: '',
    destinationCIDRs: ['0.0.0.0/0'],
    excludedCIDRs: [c.podCidr, c.serviceCidr],
    ...(e.egressIP ? { egressIP: e.egressIP } : {}),
    ...(e.interface ? { interface: e.interface } : {}),
  };
  if (!c.podCidr6 || !c.serviceCidr6 || !gatewayCarriesIpv6(e)) return [v4];
  const v6: CiliumEgressPlan = {
    suffix: '-v6',
    destinationCIDRs: ['::/0'],
    excludedCIDRs: [c.podCidr6, c.serviceCidr6],
    ...(e.interface ? { interface: e.interface } : {}),
  };
  return [v4, v6];
}
