// The DNS plan: every record a Mailu deployment needs, derived from the config by pure code.
// Zone file, table, JSON, DNSEndpoint objects, the operator and the doctor all read this one plan,
// so none of them can disagree about what a record should hold.
import ipaddr from 'ipaddr.js';
import { domainSettings, mailDomains } from '../config/domains.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import type { MailuConfig } from '../config/schema.js';
import { decideEgress } from '../model/egress.js';
import { nonPublicRange } from '../model/address-checks.js';
import { decideExposure, frontAddressOwner } from '../model/exposure.js';
import { isIpv6, sortIps } from '../model/net.js';
import { dkimStep, domainRecords, senderSources, spfOutcome } from './domain.js';
import type { DnsPlan, DnsRecord, DomainPlan, ManualStep } from './types.js';

// Kept here for existing importers; one mail domain's records are derived in domain.ts.
export { externalReportDomains, inZone, MX_PREFERENCE, SRV_UNAVAILABLE, SRV_WEIGHT } from './domain.js';

/** The reverse-DNS owner name of an address: 10.113.0.203.in-addr.arpa, or nibbles under ip6.arpa. */
export function reverseName(address: string): string {
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return `${ip.toByteArray().reverse().join('.')}.in-addr.arpa`;
  const hex = (ip as ipaddr.IPv6)
    .toNormalizedString()
    .split(':')
    .map((g) => g.padStart(4, '0'))
    .join('');
  return `${hex.split('').reverse().join('.')}.ip6.arpa`;
}

interface Computed {
  plan: DnsPlan;
  issues: ConfigIssue[];
}

// Validation (checkDnsPlan) and rendering (planDns) ask for the same config's plan: compute once.
const computed = new WeakMap<MailuConfig, Computed>();

function compute(config: MailuConfig): Computed {
  let c = computed.get(config);
  if (!c) computed.set(config, (c = computeUncached(config)));
  return c;
}

function computeUncached(config: MailuConfig): Computed {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const records: DnsRecord[] = [];
  const manual: ManualStep[] = [];
  const domain = config.domain;
  const primary = config.hostnames[0] as string;
  const dns = config.dns;
  const ttl = dns.ttl;
  const exposure = decideExposure(config);
  const egress = decideEgress(config);
  const add = (name: string, type: DnsRecord['type'], values: string[], source: DnsRecord['source'], purpose: string, recTtl = ttl) =>
    records.push({ name, type, ttl: recTtl, values, source, purpose });

  // -- the primary domain's MX first (it reads best at the top of its zone), then the addresses
  const own = domainRecords(config, domain);
  records.push(own[0]!);
  // -- the primary hostname's addresses
  const frontAddresses = sortIps(dns.addresses);
  const owner = frontAddressOwner(config);
  if (owner === 'static') {
    const v4 = frontAddresses.filter((a) => !isIpv6(a));
    const v6 = frontAddresses.filter((a) => isIpv6(a));
    if (v4.length > 0) add(primary, 'A', v4, 'static', `public IPv4 address of ${primary} (MX target, client and web host)`);
    if (v6.length > 0) add(primary, 'AAAA', v6, 'static', `public IPv6 address of ${primary} (MX target, client and web host)`);
  } else if (owner === 'operator') {
    add(primary, 'A', [], 'operator', `address of the node running front, kept current by the mailu-k8s operator`, dns.operator.ttl);
    // Dual-stack: the operator publishes the front node's public IPv6 next to the A (src/operator).
    if (config.cluster.podCidr6) add(primary, 'AAAA', [], 'operator', `IPv6 address of the node running front, kept current by the mailu-k8s operator`, dns.operator.ttl);
  } else if (owner === 'podSource') {
    add(primary, 'A', [], 'operator', `address of the node running front, published by external-dns from the front pod (pod source)`);
  } else {
    add(primary, 'A', [], 'manual', `public address of ${primary}: publish it yourself (A, and AAAA if reachable over IPv6)`);
    const hint =
      config.exposure.mode === 'loadBalancer'
        ? ' (the LoadBalancer Service\'s external IP, e.g. exposure.loadBalancer.loadBalancerIP)'
        : config.exposure.mode === 'traefik'
          ? ' (the address of the Traefik entry points)'
          : ' (the public IP of the node running front)';
    warnings.push(
      `dns.addresses is empty and neither dns.operator nor dns.externalDns.podSource publishes it: the A record of ${primary} must be published by hand${hint}, or set dns.addresses`,
    );
  }

  // -- the primary domain's other records: SPF, DMARC, DKIM, MTA-STS, aliases, SRV (domain.ts)
  const spfResult = spfOutcome(config);
  issues.push(...spfResult.issues);
  warnings.push(...spfResult.warnings);
  const spf = spfResult.spf;
  records.push(...own.slice(1));
  manual.push(dkimStep(config, domain));

  // -- the other mail domains: each its own records, published in its own zone.
  const domains: DomainPlan[] = mailDomains(config).map((name) => {
    const settings = domainSettings(config, name);
    return {
      domain: name,
      primary: settings.primary,
      externalDns: settings.externalDns,
      records: name === domain ? own : domainRecords(config, name),
      manual: [dkimStep(config, name)],
    };
  });

  // -- further hostnames: Mailu answers on them, but their address may differ from the MX's.
  const taken = new Set(domains.flatMap((d) => d.records).filter((r) => r.type === 'CNAME').map((r) => r.name));
  for (const [i, host] of config.hostnames.entries()) {
    if (i === 0 || taken.has(host)) continue;
    if (owner === 'operator' && dns.operator.allHostnames) {
      add(host, 'A', [], 'operator', `address of the node running front (dns.operator.allHostnames), kept current by the mailu-k8s operator`, dns.operator.ttl);
      if (config.cluster.podCidr6) add(host, 'AAAA', [], 'operator', `IPv6 address of the node running front (dns.operator.allHostnames), kept current by the mailu-k8s operator`, dns.operator.ttl);
    } else {
      manual.push({
        kind: 'info',
        subject: host,
        expected: `A/AAAA of the place ${host} is served from, or CNAME ${primary}.`,
        instruction: `hostnames[${i}] ${host} needs an address record: a CNAME to ${primary} when the same front serves it, otherwise the A/AAAA of the ingress that does.`,
      });
    }
  }

  // -- reverse DNS: set at whoever owns each sending address, never in the zone.
  const ptrTarget = `${primary}.`;
  for (const ip of egress.senderIps) {
    const rev = reverseName(ip);
    records.push({ name: rev, type: 'PTR', ttl, values: [ptrTarget], source: 'manual', purpose: `reverse DNS of sender ${ip}: set at the provider that owns the address` });
    manual.push({
      kind: 'ptr',
      subject: ip,
      expected: ptrTarget,
      instruction:
        `At the provider that owns ${ip} (its "reverse DNS" or "rDNS" setting), set ${rev}. PTR ${ptrTarget} ` +
        `Receivers look up this name, then check that ${primary} resolves back to ${ip} (forward-confirmed reverse DNS, FCrDNS) and matches the HELO name; mail from an address failing either is rejected or filed as spam.`,
    });
  }
  if (egress.liveFromOperator) {
    manual.push({
      kind: 'info',
      subject: 'PTR of sending nodes',
      expected: ptrTarget,
      instruction: `Mail leaves from node addresses the operator discovers at run time: give each of them${config.cluster.podCidr6 ? ', IPv4 and IPv6,' : ''} a PTR ${ptrTarget} at its provider, and make sure ${primary} resolves back to it (FCrDNS${config.cluster.podCidr6 ? ': A for IPv4, AAAA for IPv6' : ''}).`,
    });
  }

  // -- warnings about sender addresses that cannot work
  for (const src of senderSources(config, egress)) {
    for (const entry of src.entries) {
      if (entry.startsWith('include:')) continue;
      const range = nonPublicRange(entry);
      if (range) warnings.push(`${src.path}: ${entry} is a ${range} address; receivers see the public address after NAT, list that one instead`);
    }
  }
  if (frontAddresses.length > 0) {
    const front = new Set(frontAddresses);
    const away = egress.senderIps.filter((ip) => !front.has(ip));
    if (away.length > 0) {
      warnings.push(
        `mail leaves from ${away.join(', ')}, which ${primary} (dns.addresses) does not resolve to: a PTR naming ${primary} fails forward confirmation (FCrDNS) until the sending address is also an address of ${primary}`,
      );
    }
  }
  if (egress.ipv6Caveat && !egress.senderIps.some((ip) => isIpv6(ip))) {
    warnings.push(
      'egress.ipv6Addresses is empty but the cluster has IPv6 (cluster.podCidr6): before Cilium 1.18 the egress gateway does not handle IPv6, so IPv6 mail leaves from the node itself and fails SPF and PTR; list those addresses in egress.ipv6Addresses',
    );
  }

  const plan: DnsPlan = {
    domain,
    primaryHostname: primary,
    hostnames: [...config.hostnames],
    frontAddresses,
    mailPorts: exposure.mailPorts.map((p) => p.port),
    dkimSelector: dns.dkim.selector,
    spf,
    ttl,
    records,
    manual,
    domains,
    warnings,
  };
  return { plan, issues };
}

/**
 * Errors that make the DNS plan unusable (SPF past RFC 7208's limits, a `domains:` list naming a
 * domain twice or a name of ours), each naming the config field to change. Config validation calls
 * this so `synth` and `dns plan` refuse such a config (exit 2); its warnings join the config's.
 */
export function checkDnsPlan(config: MailuConfig): { issues: ConfigIssue[]; warnings: string[] } {
  const { plan, issues } = compute(config);
  return { issues, warnings: plan.warnings };
}

/** The DNS plan for a validated config. Throws ConfigError when checkDnsPlan finds errors. */
export function planDns(config: MailuConfig): DnsPlan {
  const { plan, issues } = compute(config);
  if (issues.length > 0) throw new ConfigError(issues);
  return plan;
}

/** Names of every mail domain in the plan, the primary first. */
export function planDomains(plan: DnsPlan): string[] {
  return plan.domains.map((d) => d.domain);
}

/**
 * The plan as seen from one mail domain: for the primary, the plan's records and steps (its zone
 * also holds the host records); for another, that domain's own records and steps. Every
 * single-domain reader (zone file, table, doctor checks) works on it unchanged. Undefined for a
 * domain the plan does not have.
 */
export function planForDomain(plan: DnsPlan, domain: string): DnsPlan | undefined {
  const d = plan.domains.find((x) => x.domain === domain);
  if (!d) return undefined;
  if (d.primary) return { ...plan, domains: [d] };
  return { ...plan, domain: d.domain, records: d.records, manual: d.manual, domains: [d], warnings: [] };
}
