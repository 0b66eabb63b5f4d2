// The DNS plan: every record a Mailu deployment needs, derived from the config by pure code.
// Zone file, table, JSON, DNSEndpoint objects, the operator and the doctor all read this one plan,
// so none of them can disagree about what a record should hold.
import ipaddr from 'ipaddr.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import type { MailuConfig } from '../config/schema.js';
import { decideEgress, type EgressIdentity } from '../model/egress.js';
import { nonPublicRange } from '../model/address-checks.js';
import { aliasHostnames, decideExposure, frontAddressOwner } from '../model/exposure.js';
import { isIpv6, sortIps } from '../model/net.js';
import { MAIL_PORTS } from '../config/mail-ports.js';
import { buildSpf, SPF_MAX_BYTES, SPF_MAX_LOOKUPS } from './spf.js';
import type { DnsPlan, DnsRecord, ManualStep, SpfPlan } from './types.js';

/** MX preference of the primary hostname (the only MX, so the value only has to be valid). */
export const MX_PREFERENCE = 10;
/** RFC 6186 SRV weight, as Mailu's admin shows it. */
export const SRV_WEIGHT = 1;
/** "Service not available" (RFC 2782 / RFC 6186 §3.4). */
export const SRV_UNAVAILABLE = '0 0 0 .';

/** Is `name` inside the zone of `domain` (the domain itself or below it)? */
export function inZone(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

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

/** Domains of DMARC report addresses whose consent is needed (RFC 7489 §7.1): outside the domain's tree. */
export function externalReportDomains(domain: string, addresses: readonly string[]): string[] {
  const out = new Set<string>();
  for (const a of addresses) {
    const rd = (a.split('@')[1] ?? '').toLowerCase().replace(/\.$/, '');
    // Same organisational domain (parent or child) needs no authorisation; without a public-suffix
    // list this is the safe approximation: it errs towards publishing an unneeded record.
    if (rd && rd !== domain && !rd.endsWith(`.${domain}`) && !domain.endsWith(`.${rd}`)) out.add(rd);
  }
  return [...out].sort();
}

// Address ranges that never appear as a public sender: listing them in SPF/PTR is a config mistake.

interface Computed {
  plan: DnsPlan;
  issues: ConfigIssue[];
}

/** Where each static SPF sender comes from, so limit errors can name the field to change. */
/** Every SPF sender with the field it came from: the egress decision's, then the extras. */
function senderSources(config: MailuConfig, egress: EgressIdentity): { path: string; entries: string[] }[] {
  return [
    ...egress.senderSources,
    { path: 'dns.spf.extraIps', entries: config.dns.spf.extraIps },
    { path: 'dns.spf.include', entries: config.dns.spf.include.map((d) => `include:${d}`) },
  ];
}

function planSpf(config: MailuConfig, egress: EgressIdentity, issues: ConfigIssue[], warnings: string[]): SpfPlan {
  const domain = config.domain;
  const extra = config.dns.spf.extraIps;
  const senders = [...egress.senderIps, ...extra];
  const ipv4 = senders.filter((s) => !isIpv6(s));
  const ipv6 = senders.filter((s) => isIpv6(s));
  const built = buildSpf({ ipv4, ipv6, include: egress.spfIncludes, all: config.dns.spf.all, domain });
  const includes = [...new Set(egress.spfIncludes.map((d) => d.toLowerCase().replace(/\.$/, '')))];
  const senderIps = [...sortIps(senders.filter((s) => !s.includes('/'))), ...[...new Set(senders.filter((s) => s.includes('/')))].sort()];

  // The limits hold for the static part even when the operator adds live addresses later: those
  // only ever add bytes, never remove lookups.
  if (built.lookups > SPF_MAX_LOOKUPS) {
    const relay = config.egress.mode === 'relay' ? config.egress.spfInclude.length : 0;
    issues.push({
      path: 'dns.spf.include',
      message:
        `the SPF record for ${domain} needs ${built.lookups} include: lookups` +
        (relay > 0 ? ` (${relay} from egress.spfInclude, ${built.lookups - relay} from dns.spf.include)` : '') +
        `, more than the ${SPF_MAX_LOOKUPS} RFC 7208 §4.6.4 allows (receivers return permerror); drop includes or replace them by dns.spf.extraIps ranges`,
    });
  }
  const sized = built.bytes + Buffer.byteLength(domain);
  if (sized > SPF_MAX_BYTES) {
    const shares = senderSources(config, egress)
      .map((s) => ({ path: s.path, bytes: s.entries.reduce((n, x) => n + Buffer.byteLength(x) + 5, 0) }))
      .filter((s) => s.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
    const biggest = shares[0]?.path ?? 'dns.spf';
    issues.push({
      path: biggest,
      message:
        `the SPF record for ${domain} would be ${sized} bytes with its name, over the ${SPF_MAX_BYTES} of RFC 7208 §3.4 ` +
        `(${shares.map((s) => `~${s.bytes} from ${s.path}`).join(', ')}); list CIDR ranges in dns.spf.extraIps or use an include`,
    });
  }

  if (egress.liveFromOperator) {
    warnings.push(
      `the SPF record of ${domain} is kept by the mailu-k8s operator from the live sending node addresses; it is left out of the static zone file and DNSEndpoints`,
    );
    return { value: '', strings: [], lookups: built.lookups, bytes: 0, senderIps, includes, source: 'operator' };
  }
  if (senders.length === 0 && includes.length === 0) {
    const where =
      config.egress.mode === 'relay'
        ? 'egress.spfInclude (the relay provider documents its SPF include)'
        : config.egress.mode === 'ciliumGateway'
          ? 'egress.publicIPs'
          : 'egress.addresses';
    warnings.push(`no sending address is known, so no SPF record can be planned for ${domain}: set ${where} or dns.spf.extraIps, or enable dns.operator`);
    return { value: '', strings: [], lookups: 0, bytes: 0, senderIps, includes, source: 'manual' };
  }
  return { value: built.value, strings: built.strings, lookups: built.lookups, bytes: built.bytes, senderIps, includes, source: 'static' };
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

  // -- inbound mail
  add(domain, 'MX', [`${MX_PREFERENCE} ${primary}.`], 'static', `mail for ${domain} is delivered to ${primary}`);

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

  // -- SPF
  const spf = planSpf(config, egress, issues, warnings);
  const spfPurpose =
    spf.source === 'operator'
      ? `SPF: kept current by the mailu-k8s operator from the nodes mail leaves from`
      : spf.source === 'manual'
        ? `SPF: no sending address is known; publish one listing every address mail leaves from`
        : `SPF: the addresses and services allowed to send as ${domain}`;
  add(domain, 'TXT', spf.value ? [spf.value] : [], spf.source, spfPurpose, spf.source === 'operator' ? dns.operator.ttl : ttl);

  // -- DMARC
  const d = dns.dmarc;
  const tags = [`v=DMARC1`, `p=${d.policy}`];
  // RFC 7489 §6.2: a report URI may carry a size limit ("!10m").
  if (d.rua) tags.push(`rua=mailto:${d.rua}${d.ruaSizeLimit ? `!${d.ruaSizeLimit}` : ''}`);
  if (d.ruf) tags.push(`ruf=mailto:${d.ruf}${d.rufSizeLimit ? `!${d.rufSizeLimit}` : ''}`);
  tags.push(`adkim=${d.adkim}`, `aspf=${d.aspf}`);
  add(`_dmarc.${domain}`, 'TXT', [tags.join('; ')], 'static', `DMARC: policy ${d.policy} for mail failing SPF and DKIM alignment`);
  const reportAddresses = [d.rua, d.ruf].filter((x): x is string => x !== undefined);
  for (const rd of externalReportDomains(domain, reportAddresses)) {
    add(
      `${domain}._report._dmarc.${rd}`,
      'TXT',
      ['v=DMARC1;'],
      'static',
      `belongs in the zone of ${rd}, not ${domain}: ${rd} agrees to receive ${domain}'s DMARC reports (RFC 7489 §7.1)`,
    );
  }

  // -- DKIM: the key is generated inside Mailu, so the record can only be a placeholder here.
  const dkimName = `${dns.dkim.selector}._domainkey.${domain}`;
  add(dkimName, 'TXT', [], 'manual', `DKIM public key of selector ${dns.dkim.selector}: copy it from Mailu's admin`);
  manual.push({
    kind: 'dkim',
    subject: dkimName,
    expected: 'v=DKIM1; k=rsa; p=<base64 public key shown in Mailu admin>',
    instruction:
      `In Mailu's admin open Mail domains, then ${domain}, then Details; click "Generate keys" if no key exists, and publish the DKIM TXT record shown there at ${dkimName}. ` +
      `Until it exists, DMARC passes only through SPF.`,
  });

  // -- MTA-STS (RFC 8461): the record announces the policy served at https://mta-sts.<domain>/.
  if (dns.mtaSts.enabled) {
    add(`_mta-sts.${domain}`, 'TXT', [`v=STSv1; id=${dns.mtaSts.id}`], 'static', `MTA-STS: announces the policy (mode ${dns.mtaSts.mode}); change the id whenever the policy changes`);
  }

  // -- client autoconfiguration hosts and the MTA-STS policy host: aliases of the primary hostname.
  const aliasNames = aliasHostnames(config);
  const aliases = aliasNames.filter((n) => n !== primary && n !== domain);
  for (const name of aliases) {
    const what = name.startsWith('mta-sts.') ? 'serves the MTA-STS policy' : name.startsWith('autoconfig.') ? 'Thunderbird-style client autoconfiguration' : 'Outlook-style client autodiscovery';
    add(name, 'CNAME', [`${primary}.`], 'static', `${what} on ${primary}`);
  }

  // -- RFC 6186 SRV records: live for enabled ports, "not available" for the others.
  const enabled = new Set(exposure.mailPorts.map((p) => p.port));
  for (const p of MAIL_PORTS) {
    if (!p.srv) continue;
    const live = enabled.has(p.port);
    add(
      `${p.srv.label}.${domain}`,
      'SRV',
      [live ? `${p.srv.priority} ${SRV_WEIGHT} ${p.port} ${primary}.` : SRV_UNAVAILABLE],
      'static',
      live ? `clients find ${p.service} on port ${p.port} (RFC 6186)` : `${p.service} (port ${p.port}) is not offered: "service not available" (RFC 6186)`,
    );
  }
  if (exposure.tlsFlavor !== 'notls') {
    add(`_autodiscover._tcp.${domain}`, 'SRV', [`10 ${SRV_WEIGHT} 443 ${primary}.`], 'static', 'Outlook finds the autodiscover service over HTTPS');
  }

  // -- further hostnames: Mailu answers on them, but their address may differ from the MX's.
  const taken = new Set(records.filter((r) => r.type === 'CNAME').map((r) => r.name));
  for (const [i, host] of config.hostnames.entries()) {
    if (i === 0 || taken.has(host)) continue;
    if (owner === 'operator' && dns.operator.allHostnames) {
      add(host, 'A', [], 'operator', `address of the node running front (dns.operator.allHostnames), kept current by the mailu-k8s operator`, dns.operator.ttl);
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
      instruction: `Mail leaves from node addresses the operator discovers at run time: give each of them a PTR ${ptrTarget} at its provider, and make sure ${primary} resolves back to it (FCrDNS).`,
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
    warnings,
  };
  return { plan, issues };
}

/**
 * Errors that make the DNS plan unusable (SPF past RFC 7208's limits), each naming the config field
 * to change. Config validation calls this so `synth` and `dns plan` refuse such a config (exit 2).
 */
/** The plan's errors (limits receivers enforce) and its warnings, for validation. */
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
