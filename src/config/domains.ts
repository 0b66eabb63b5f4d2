// Mail domains: the primary `domain` and the extra ones under `domains:`, each with the DNS
// settings it publishes under (its own where given, the top-level `dns` ones otherwise).
//
// Which names may be a mail domain is decided here once: the config's entries and the names the
// DNS operator reads from Mailu's API pass the same test, so a hostile or broken name never
// becomes a record name outside its own domain.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import type { MailuConfig } from './schema.js';
import { dmarcReportUri, withReportSizeLimits } from './spellings.js';

export const DMARC_POLICIES = ['none', 'quarantine', 'reject'] as const;
export const DMARC_ALIGNMENTS = ['s', 'r'] as const;
export const MTA_STS_MODES = ['testing', 'enforce'] as const;
export const MTA_STS_ID_RE = /^[A-Za-z0-9]{1,32}$/;
export const MTA_STS_ID_MESSAGE = 'MTA-STS id must be 1-32 letters/digits';

/** Host labels a mail domain gets records under; the longest bounds how long the domain may be. */
const LONGEST_PREFIX = '_autodiscover._tcp.'.length;
/** `<selector>._domainkey.`: a DKIM selector is one DNS label (at most 63 octets). */
const LONGEST_DKIM_PREFIX = 63 + '._domainkey.'.length;
/** Longest mail domain whose every record name still fits in 253 octets (RFC 1035 §2.3.4). */
export const MAX_MAIL_DOMAIN_LENGTH = 253 - Math.max(LONGEST_PREFIX, LONGEST_DKIM_PREFIX);

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `name` cannot be a mail domain, or undefined when it can. Expects the canonical form
 * (lower case, no trailing dot: see canonicalMailDomain). Only host-name syntax passes: no
 * wildcard, no underscore label, no empty label, no IP literal, nothing that could reach outside
 * the name once prefixed (`_dmarc.` + name stays under name).
 */
export function mailDomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_MAIL_DOMAIN_LENGTH) return `is ${name.length} characters long; at most ${MAX_MAIL_DOMAIN_LENGTH} leave room for the record names under it (_autodiscover._tcp., <selector>._domainkey.)`;
  if (ipaddr.isValid(name) || /^\[.*\]$/.test(name)) return `"${name}" is an IP address, not a DNS name: a mail domain is the part after @ in addresses, e.g. example.net`;
  const labels = name.split('.');
  if (labels.length < 2) return `"${name}" is not a mail domain: it needs at least two labels (example.net)`;
  const bad = labels.find((l) => !LABEL_RE.test(l));
  if (bad !== undefined) return `"${name}" is not a valid DNS name (label ${JSON.stringify(bad)}: letters, digits and inner hyphens, 1-63 characters)`;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `"${name}" is not a DNS name: its last label is all digits, which no top-level domain is`;
  return undefined;
}

/** Lower case without a trailing dot: the one spelling every record name uses. */
export function canonicalMailDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

/** Can `name` (canonical form) be a mail domain whose records stay under it? */
export function isSafeMailDomain(name: string): boolean {
  return typeof name === 'string' && name === canonicalMailDomain(name) && mailDomainProblem(name) === undefined;
}

// ---------------------------------------------------------------- the `domains:` key

const domainName = z
  .string()
  .transform(canonicalMailDomain)
  .superRefine((s: string, ctx: z.core.$RefinementCtx<string>) => {
    const problem = mailDomainProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const domainItem = z.strictObject({
  name: domainName,
  /** Any of dns.dmarc's keys; the others come from dns.dmarc. */
  dmarc: z
    .strictObject({
      policy: z.enum(DMARC_POLICIES).optional(),
      rua: dmarcReportUri.optional(),
      ruf: dmarcReportUri.optional(),
      adkim: z.enum(DMARC_ALIGNMENTS).optional(),
      aspf: z.enum(DMARC_ALIGNMENTS).optional(),
    })
    .transform(withReportSizeLimits)
    .optional(),
  /** Any of dns.mtaSts's keys; the others come from dns.mtaSts. */
  mtaSts: z
    .strictObject({
      enabled: z.boolean().optional(),
      mode: z.enum(MTA_STS_MODES).optional(),
      id: z.string().regex(MTA_STS_ID_RE, { message: MTA_STS_ID_MESSAGE }).optional(),
    })
    .optional(),
  /** Publish this domain's static records through external-dns (default dns.externalDns.enabled). */
  externalDns: z.boolean().optional(),
});

/** `domains:` items: `{ name, dmarc?, mtaSts?, externalDns? }`, or just the name (`- example.net`). */
export const domainsSection = z.array(z.preprocess((v: unknown) => (typeof v === 'string' ? { name: v } : v), domainItem)).default([]);

export type DomainEntry = z.output<typeof domainItem>;

// ---------------------------------------------------------------- settings per domain

export interface DomainSettings {
  name: string;
  /** The config's `domain`. */
  primary: boolean;
  /** `domain` or listed in `domains:`; false for a domain known only from elsewhere (Mailu's admin). */
  configured: boolean;
  dmarc: MailuConfig['dns']['dmarc'];
  mtaSts: MailuConfig['dns']['mtaSts'];
  /** external-dns publishes this domain's static records. */
  externalDns: boolean;
}

/** Drops undefined values so a spread keeps the default underneath. */
function given<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The DMARC settings of an entry over dns.dmarc: a report address brings its own size limit. */
function mergeDmarc(base: MailuConfig['dns']['dmarc'], own: DomainEntry['dmarc']): MailuConfig['dns']['dmarc'] {
  const out = { ...base, ...given(own) };
  if (own?.rua !== undefined && own.ruaSizeLimit === undefined) delete out.ruaSizeLimit;
  if (own?.ruf !== undefined && own.rufSizeLimit === undefined) delete out.rufSizeLimit;
  return out;
}

/** Settings of mail domain `name` (canonical): its `domains:` entry over the `dns` defaults. */
export function domainSettings(config: MailuConfig, name: string): DomainSettings {
  const entry = (config.domains ?? []).find((d) => d.name === name);
  const dns = config.dns;
  return {
    name,
    primary: name === config.domain,
    configured: name === config.domain || entry !== undefined,
    dmarc: mergeDmarc(dns.dmarc, entry?.dmarc),
    mtaSts: { ...dns.mtaSts, ...given(entry?.mtaSts) },
    externalDns: entry?.externalDns ?? dns.externalDns.enabled,
  };
}

/** Every configured mail domain: `domain` first, then `domains:` in config order. */
export function mailDomains(config: MailuConfig): string[] {
  return [config.domain, ...(config.domains ?? []).map((d) => d.name)];
}

/** Names published as CNAMEs under a mail domain (see aliasHostnames): never a mail domain too. */
const ALIAS_LABELS = ['mta-sts', 'autoconfig', 'autodiscover'];

/**
 * Problems of the `domains:` list as a whole, each naming `domains[i].name`: a repeat, the
 * primary domain again, a host name of this server, or a name that is another domain's alias.
 */
export function domainListIssues(config: MailuConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  const hosts = new Map(config.hostnames.map((h, i) => [h, i]));
  const all = mailDomains(config);
  for (const [i, d] of (config.domains ?? []).entries()) {
    const path = `domains[${i}].name`;
    const host = hosts.get(d.name);
    const parent = all.find((p) => ALIAS_LABELS.some((l) => d.name === `${l}.${p}`));
    if (d.name === config.domain) {
      issues.push({ path, message: `${d.name} is already the primary domain (domain); list only the other mail domains here` });
    } else if (seen.has(d.name)) {
      issues.push({ path, message: `${d.name} is listed twice (also domains[${seen.get(d.name)}])` });
    } else if (host !== undefined) {
      issues.push({
        path,
        message: `${d.name} is hostnames[${host}], a name of this mail server (MX target, HELO); a mail domain is the part after @ in addresses: list the domain, not the server's name`,
      });
    } else if (parent !== undefined) {
      issues.push({ path, message: `${d.name} is published as an alias (CNAME) of the mail domain ${parent}; a name with a CNAME cannot also hold a mail domain's MX and TXT records` });
    }
    if (!seen.has(d.name)) seen.set(d.name, i);
  }
  return issues;
}

