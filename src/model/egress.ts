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
  /** The ciliumGateway policy leaves IPv6 unhandled (pre-1.18): say so. */
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
        ipv6Caveat: config.cluster.podCidr6 !== undefined,
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
