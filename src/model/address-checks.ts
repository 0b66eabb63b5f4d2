// Address mistakes new users make: cluster ranges copied from another distribution, private
// addresses published in public DNS. The messages say what to set instead.
import ipaddr from 'ipaddr.js';
import type { MailuConfig } from '../config/schema.js';

/**
 * The pod and service ranges overlap: one of them is not what the cluster uses (a pod range from
 * Cilium's default pool next to k3s's default service range, typically). Says where to find each.
 */
export function cidrOverlapAdvice(podCidr: string, serviceCidr: string): string {
  const cilium = podCidr === '10.0.0.0/8' ? ' (10.0.0.0/8 is Cilium\'s default cluster-pool)' : '';
  return (
    `${serviceCidr} overlaps cluster.podCidr ${podCidr}${cilium}; a cluster's pod and service ranges never overlap, so one of them is not what your cluster uses. ` +
    `Set cluster.serviceCidr to the cluster's service range (the kube-apiserver's --service-cluster-ip-range; the "kubernetes" Service's ClusterIP lies in it; kubeadm's default is 10.96.0.0/12, the default 10.43.0.0/16 is k3s's), ` +
    `or cluster.podCidr to the pod range actually used (Cilium: cluster-pool-ipv4-cidr in \`cilium config view\`; otherwise the nodes' spec.podCIDR); on k3s, cluster.distribution: k3s fills in its pod range`
  );
}

/** ipaddr.js range names that no client on the internet can reach, worded for messages. */
const NOT_PUBLIC: Readonly<Record<string, string>> = {
  private: 'private (RFC 1918)',
  loopback: 'loopback',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  uniqueLocal: 'unique local (fc00::/7)',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  ipv4Mapped: 'IPv4-mapped IPv6',
};

/**
 * Why an address cannot be reached from the internet, or undefined. Documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) pass: they are placeholders
 * (the README's examples use them), not a mistake a real network produces.
 */
export function nonPublicRange(addr: string): string | undefined {
  return NOT_PUBLIC[ipaddr.parse(addr.split('/')[0]!).range()];
}

/**
 * dns.addresses become the public A/AAAA record of the primary hostname: a private address
 * there is the node's internal one (behind NAT), which no client outside can reach. The SPF
 * senders (egress.*, dns.spf.extraIps) get the same check in the DNS plan.
 */
export function publicAddressWarnings(config: MailuConfig): string[] {
  const primary = config.hostnames[0];
  return config.dns.addresses.flatMap((a, i) => {
    const range = nonPublicRange(a);
    if (!range) return [];
    return [`dns.addresses[${i}]: ${a} is a ${range} address, but it is published as the public A/AAAA record of ${primary}: clients outside cannot reach it; list the public address they connect to (after NAT)`];
  });
}
