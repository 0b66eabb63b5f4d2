// One mail domain's records, derived in one place: the DNS plan calls it for `domain` and every
// entry of `domains:`, and the DNS operator for each domain it reads from Mailu's API (with the
// DKIM key Mailu holds), so no record of a mail domain is derived twice.
import { domainSettings, mailDomains, type DomainSettings } from '../config/domains.js';
import type { ConfigIssue } from '../config/errors.js';
import { MAIL_PORTS } from '../config/mail-ports.js';
import type { MailuConfig } from '../config/schema.js';
import { decideEgress, type EgressIdentity } from '../model/egress.js';
import { aliasHostnames, decideExposure } from '../model/exposure.js';
import { isIpv6, sortIps } from '../model/net.js';
import { buildSpf, SPF_MAX_BYTES, SPF_MAX_LOOKUPS } from './spf.js';
import type { DnsRecord, ManualStep, SpfPlan } from './types.js';

export { domainSettings, type DomainSettings };

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

// ---------------------------------------------------------------- SPF (one value for every domain)

/** Every SPF sender with the field it came from: the egress decision's, then the extras. */
export function senderSources(config: MailuConfig, egress: EgressIdentity): { path: string; entries: string[] }[] {
  return [
    ...egress.senderSources,
    { path: 'dns.spf.extraIps', entries: config.dns.spf.extraIps },
    { path: 'dns.spf.include', entries: config.dns.spf.include.map((d) => `include:${d}`) },
  ];
}

export interface SpfOutcome {
  spf: SpfPlan;
  issues: ConfigIssue[];
  warnings: string[];
}

function spfLimitIssues(config: MailuConfig, egress: EgressIdentity, built: { lookups: number; bytes: number }): ConfigIssue[] {
  // Every mail domain publishes the same value; the longest name makes the largest record.
  const domain = mailDomains(config).reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
  const issues: ConfigIssue[] = [];
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
  return issues;
}

function computeSpf(config: MailuConfig): SpfOutcome {
  const egress = decideEgress(config);
  const warnings: string[] = [];
  const senders = [...egress.senderIps, ...config.dns.spf.extraIps];
  const ipv4 = senders.filter((s) => !isIpv6(s));
  const ipv6 = senders.filter((s) => isIpv6(s));
  const built = buildSpf({ ipv4, ipv6, include: egress.spfIncludes, all: config.dns.spf.all, domain: config.domain });
  const includes = [...new Set(egress.spfIncludes.map((d) => d.toLowerCase().replace(/\.$/, '')))];
  const senderIps = [...sortIps(senders.filter((s) => !s.includes('/'))), ...[...new Set(senders.filter((s) => s.includes('/')))].sort()];
  const issues = spfLimitIssues(config, egress, built);

  if (egress.liveFromOperator) {
    warnings.push(
      `the SPF record of ${everyDomain(config)} is kept by the mailu-k8s operator from the live sending node addresses; it is left out of the static zone file and DNSEndpoints`,
    );
    return { spf: { value: '', strings: [], lookups: built.lookups, bytes: 0, senderIps, includes, source: 'operator' }, issues, warnings };
  }
  if (senders.length === 0 && includes.length === 0) {
    const where =
      config.egress.mode === 'relay'
        ? 'egress.spfInclude (the relay provider documents its SPF include)'
        : config.egress.mode === 'ciliumGateway'
          ? 'egress.publicIPs'
          : 'egress.addresses';
    warnings.push(`no sending address is known, so no SPF record can be planned for ${everyDomain(config)}: set ${where} or dns.spf.extraIps, or enable dns.operator`);
    return { spf: { value: '', strings: [], lookups: 0, bytes: 0, senderIps, includes, source: 'manual' }, issues, warnings };
  }
  const spf: SpfPlan = { value: built.value, strings: built.strings, lookups: built.lookups, bytes: built.bytes, senderIps, includes, source: 'static' };
  return { spf, issues, warnings };
}

/** The mail domains as a phrase: "example.com", or "example.com, example.net and example.org". */
function everyDomain(config: MailuConfig): string {
  const all = mailDomains(config);
  return all.length === 1 ? all[0]! : `${all.slice(0, -1).join(', ')} and ${all[all.length - 1]}`;
}

const spfCache = new WeakMap<MailuConfig, SpfOutcome>();

/**
 * The SPF record every mail domain publishes: mail for all of them leaves from the same senders,
 * so the value is the same (only the limits are checked against the primary domain's name).
 */
export function spfOutcome(config: MailuConfig): SpfOutcome {
  let o = spfCache.get(config);
  if (!o) spfCache.set(config, (o = computeSpf(config)));
  return o;
}

// ---------------------------------------------------------------- one domain's records

function dmarcValue(d: DomainSettings['dmarc']): string {
  const tags = [`v=DMARC1`, `p=${d.policy}`];
  // RFC 7489 §6.2: a report URI may carry a size limit ("!10m").
  if (d.rua) tags.push(`rua=mailto:${d.rua}${d.ruaSizeLimit ? `!${d.ruaSizeLimit}` : ''}`);
  if (d.ruf) tags.push(`ruf=mailto:${d.ruf}${d.rufSizeLimit ? `!${d.rufSizeLimit}` : ''}`);
  tags.push(`adkim=${d.adkim}`, `aspf=${d.aspf}`);
  return tags.join('; ');
}

/** The DKIM record's owner name for a domain. */
export function dkimName(config: MailuConfig, domain: string): string {
  return `${config.dns.dkim.selector}._domainkey.${domain}`;
}

/** The step that publishes a domain's DKIM key when nobody else does. */
export function dkimStep(config: MailuConfig, domain: string): ManualStep {
  const name = dkimName(config, domain);
  return {
    kind: 'dkim',
    subject: name,
    expected: 'v=DKIM1; k=rsa; p=<base64 public key shown in Mailu admin>',
    instruction:
      `In Mailu's admin open Mail domains, then ${domain}, then Details; click "Generate keys" if no key exists, and publish the DKIM TXT record shown there at ${name}. ` +
      `Until it exists, DMARC passes only through SPF.`,
  };
}

type Add = (name: string, type: DnsRecord['type'], values: string[], source: DnsRecord['source'], purpose: string, ttl?: number) => void;

function clientRecords(config: MailuConfig, domain: string, add: Add): void {
  const primary = config.hostnames[0] as string;
  const exposure = decideExposure(config);
  // Client autoconfiguration hosts and the MTA-STS policy host: aliases of the primary hostname.
  for (const name of aliasHostnames(config, domain).filter((n) => n !== primary && n !== domain)) {
    const what = name.startsWith('mta-sts.') ? 'serves the MTA-STS policy' : name.startsWith('autoconfig.') ? 'Thunderbird-style client autoconfiguration' : 'Outlook-style client autodiscovery';
    add(name, 'CNAME', [`${primary}.`], 'static', `${what} on ${primary}`);
  }
  // RFC 6186 SRV records: live for enabled ports, "not available" for the others.
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
}

/**
 * Every record of mail domain `domain` (canonical name): MX, SPF, DMARC and the report
 * authorisations it needs in other zones, DKIM, MTA-STS, the autoconfig/autodiscover/MTA-STS
 * aliases and the RFC 6186 SRV set, with that domain's settings (domainSettings). Pure: the same
 * config, domain and key always give the same records. `opts.dkim` is the full TXT value of the
 * domain's DKIM key (from Mailu); without it the DKIM record is a 'manual' placeholder.
 */
export function domainRecords(config: MailuConfig, domain: string, opts: { dkim?: string } = {}): DnsRecord[] {
  const records: DnsRecord[] = [];
  const primary = config.hostnames[0] as string;
  const dns = config.dns;
  const settings = domainSettings(config, domain);
  const add: Add = (name, type, values, source, purpose, ttl = dns.ttl) => records.push({ name, type, ttl, values, source, purpose });

  add(domain, 'MX', [`${MX_PREFERENCE} ${primary}.`], 'static', `mail for ${domain} is delivered to ${primary}`);

  const { spf } = spfOutcome(config);
  const spfPurpose =
    spf.source === 'operator'
      ? `SPF: kept current by the mailu-k8s operator from the nodes mail leaves from`
      : spf.source === 'manual'
        ? `SPF: no sending address is known; publish one listing every address mail leaves from`
        : `SPF: the addresses and services allowed to send as ${domain}`;
  add(domain, 'TXT', spf.value ? [spf.value] : [], spf.source, spfPurpose, spf.source === 'operator' ? dns.operator.ttl : dns.ttl);

  const d = settings.dmarc;
  add(`_dmarc.${domain}`, 'TXT', [dmarcValue(d)], 'static', `DMARC: policy ${d.policy} for mail failing SPF and DKIM alignment`);
  for (const rd of externalReportDomains(domain, [d.rua, d.ruf].filter((x): x is string => x !== undefined))) {
    add(
      `${domain}._report._dmarc.${rd}`,
      'TXT',
      ['v=DMARC1;'],
      'static',
      `belongs in the zone of ${rd}, not ${domain}: ${rd} agrees to receive ${domain}'s DMARC reports (RFC 7489 §7.1)`,
    );
  }

  // The key is generated inside Mailu: known only when the caller read it from Mailu.
  const sel = dns.dkim.selector;
  if (opts.dkim) add(dkimName(config, domain), 'TXT', [opts.dkim], 'static', `DKIM public key of selector ${sel}, as Mailu holds it`);
  else add(dkimName(config, domain), 'TXT', [], 'manual', `DKIM public key of selector ${sel}: copy it from Mailu's admin`);

  // MTA-STS (RFC 8461): the record announces the policy served at https://mta-sts.<domain>/.
  if (settings.mtaSts.enabled) {
    const m = settings.mtaSts;
    add(`_mta-sts.${domain}`, 'TXT', [`v=STSv1; id=${m.id}`], 'static', `MTA-STS: announces the policy (mode ${m.mode}); change the id whenever the policy changes`);
  }

  clientRecords(config, domain, add);
  return records;
}
