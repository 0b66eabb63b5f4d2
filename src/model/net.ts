// CIDR maths in one place (ipaddr.js), so trust decisions are computed, not string-compared.
import ipaddr from 'ipaddr.js';

export function parseCidr(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (cidr.includes('/')) return ipaddr.parseCIDR(cidr);
  const ip = ipaddr.parse(cidr);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

export function isIpv6(addr: string): boolean {
  return parseCidr(addr)[0].kind() === 'ipv6';
}

/** True when the range is "everyone": prefix length 0, or every IPv4 address written as IPv6. */
export function isWorld(cidr: string): boolean {
  const [ip, len] = parseCidr(cidr);
  if (len === 0) return true;
  return ip.kind() === 'ipv6' && len <= 96 && covers(`${ip.toString()}/${len}`, '::ffff:0.0.0.0/96');
}

/**
 * Wider than /16 (IPv4) or /48 (IPv6): worth a warning when trusted. An IPv4-mapped range
 * (::ffff:a.b.c.d/96+n) is IPv4 written as IPv6 (dual-stack sockets report IPv4 clients so) and
 * is judged as a.b.c.d/n: ::ffff:0:0/97 is half the IPv4 internet, not a narrow IPv6 range.
 */
export function isWide(cidr: string): boolean {
  const [ip, len] = unmapped(cidr);
  return ip.kind() === 'ipv4' ? len < 16 : len < 48;
}

/** The IPv4 range an IPv4-mapped IPv6 range stands for; any other range as it is. */
export function unmapped(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const [ip, len] = parseCidr(cidr);
  if (ip.kind() === 'ipv6' && len >= 96 && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return [(ip as ipaddr.IPv6).toIPv4Address(), len - 96];
  return [ip, len];
}

/** Does `outer` contain all of `inner`? */
export function covers(outer: string, inner: string): boolean {
  const [oIp, oLen] = parseCidr(outer);
  const [iIp, iLen] = parseCidr(inner);
  if (oIp.kind() !== iIp.kind() || iLen < oLen) return false;
  return iIp.match(oIp, oLen);
}

/** The n-th address of an IPv4 range (e.g. the cluster DNS is conventionally the 10th). */
export function nthAddress(cidr: string, n: number): string {
  const [ip] = ipaddr.parseCIDR(cidr);
  if (ip.kind() !== 'ipv4') throw new Error(`${cidr} is not IPv4`);
  const bytes = ip.toByteArray();
  let v = ((bytes[0]! << 24) >>> 0) + (bytes[1]! << 16) + (bytes[2]! << 8) + bytes[3]! + n;
  const out = [24, 16, 8, 0].map((s) => (v >>> s) & 255);
  v = 0;
  return out.join('.');
}

/** Sort addresses: IPv4 before IPv6, numerically within a family. */
export function sortIps(addrs: Iterable<string>): string[] {
  const uniq = [...new Set([...addrs].map((a) => ipaddr.process(a).toString()))];
  const key = (a: string) => {
    const ip = ipaddr.parse(a);
    return (ip.kind() === 'ipv4' ? '4' : '6') + ip.toByteArray().map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return uniq.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** The resolver's and the cluster DNS's ClusterIPs: configured, or conventional addresses of serviceCidr. */
export function clusterAddresses(config: {
  instance: string;
  cluster: { serviceCidr: string; dnsServiceIp?: string | undefined; resolverServiceIp?: string | undefined };
}): { resolver: string; clusterDns: string } {
  const c = config.cluster;
  return {
    resolver: c.resolverServiceIp ?? nthAddress(c.serviceCidr, resolverOffset(config.instance)),
    clusterDns: c.dnsServiceIp ?? nthAddress(c.serviceCidr, 10),
  };
}

/**
 * Default position of an instance's resolver in the service range: 53 for the default instance,
 * otherwise one derived from the name (64..191), so instances sharing a cluster get different
 * ClusterIPs. All stay in the low band Kubernetes keeps for manually chosen addresses.
 */
export function resolverOffset(instance: string): number {
  if (instance === 'mailu') return 53;
  let h = 2166136261;
  for (const ch of instance) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 64 + (h % 128);
}
