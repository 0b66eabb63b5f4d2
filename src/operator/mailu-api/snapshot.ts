// Mailu's answers, checked and normalised into a snapshot: the domains (with their DKIM TXT value)
// and alternative domains, every name passed through the same mail-domain test as the config's.
// Anything that does not fit is set aside with the reason, never turned into a record. The hash
// of the snapshot is the change detector: an unchanged answer costs no reconcile pass.
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { isSafeMailDomain, mailDomainProblem } from '../../config/domains.js';
import { MailuApiError } from './client.js';

export interface MailuDomain {
  /** Canonical (lower case, ASCII) name. */
  name: string;
  /** The DKIM TXT value ("v=DKIM1; k=rsa; p=…"), when Mailu holds a key. */
  dkim?: string;
  /** Why Mailu's dns_dkim was not used, when it was present but did not fit. */
  dkimProblem?: string;
}

export interface MailuAlternative {
  name: string;
  /** The domain it is an alternative of (canonical), as Mailu reports it. */
  domain: string;
}

export interface RejectedName {
  /** The name as Mailu gave it, JSON-quoted (it may hold control characters). */
  raw: string;
  what: 'domain' | 'alternative';
  why: string;
}

export interface MailuSnapshot {
  domains: MailuDomain[];
  alternatives: MailuAlternative[];
  rejected: RejectedName[];
  hash: string;
}

/** The canonical ASCII name of a domain name from Mailu's API, or why it cannot be one. */
export function apiDomainName(raw: unknown): { name: string } | { why: string } {
  if (typeof raw !== 'string') return { why: 'is not a string' };
  // Checked before any conversion: the URL parser would silently drop tabs and newlines.
  if (/[\s\p{Cc}\p{Cf}]/u.test(raw)) return { why: 'contains white space or control characters' };
  if (raw.endsWith('.')) return { why: 'ends with a dot' };
  // Mailu stores names as IDNA and returns them decoded: back to the ASCII form DNS uses.
  const ascii = /^[\x21-\x7e]*$/.test(raw) ? raw.toLowerCase() : domainToASCII(raw);
  if (!ascii) return { why: 'is not a valid internationalised domain name' };
  const problem = mailDomainProblem(ascii);
  if (problem || !isSafeMailDomain(ascii)) return { why: problem ?? 'is not a mail domain name' };
  return { name: ascii };
}

const DKIM_VALUE = /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{40,4096}={0,2}$/;

/**
 * The TXT value of Mailu's dns_dkim ('<selector>._domainkey.<domain>. 600 IN TXT "v=DKIM1; k=rsa;
 * p=<key>"'), only when the owner is exactly this domain's selector name and the value is a
 * plain RSA key: nothing else from the API ever reaches a TXT record.
 */
export function parseDkim(raw: unknown, rawDomain: string, selector: string): { value?: string; problem?: string } {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') return { problem: 'dns_dkim is not a string' };
  const m = /^(\S+)\.\s+\d+\s+IN\s+TXT\s+"([^"]*)"$/.exec(raw);
  if (!m) return { problem: 'dns_dkim is not a TXT record line' };
  const owner = m[1]!.toLowerCase();
  const expected = `${selector}._domainkey.${rawDomain}`.toLowerCase();
  if (owner !== expected) return { problem: `dns_dkim names ${JSON.stringify(owner)}, not ${expected} (does Mailu's DKIM_SELECTOR match dns.dkim.selector?)` };
  if (!DKIM_VALUE.test(m[2]!)) return { problem: 'dns_dkim does not hold a "v=DKIM1; k=rsa; p=<base64>" value' };
  return { value: m[2]! };
}

/** The items of a list answer, in the order of their raw names: the answer's order never counts. */
function asList(answer: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(answer)) throw new MailuApiError(`the ${what} list is not a JSON array`, 'shape');
  const items = answer.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x));
  const key = (x: Record<string, unknown>) => JSON.stringify([x.name, x.dns_dkim, x.domain]) ?? '';
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const quote = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v)).slice(0, 300);

export function snapshotFrom(domainsAnswer: unknown, alternativesAnswer: unknown, selector: string): MailuSnapshot {
  const rejected: RejectedName[] = [];
  const domains = new Map<string, MailuDomain>();
  for (const d of asList(domainsAnswer, 'domain')) {
    const n = apiDomainName(d.name);
    if ('why' in n) {
      rejected.push({ raw: quote(d.name), what: 'domain', why: n.why });
      continue;
    }
    if (domains.has(n.name)) continue;
    const dkim = parseDkim(d.dns_dkim, d.name as string, selector);
    domains.set(n.name, { name: n.name, ...(dkim.value ? { dkim: dkim.value } : {}), ...(dkim.problem ? { dkimProblem: dkim.problem } : {}) });
  }
  const alternatives = new Map<string, MailuAlternative>();
  for (const a of asList(alternativesAnswer, 'alternative')) {
    const n = apiDomainName(a.name);
    if ('why' in n) {
      rejected.push({ raw: quote(a.name), what: 'alternative', why: n.why });
      continue;
    }
    const of = apiDomainName(a.domain);
    if (domains.has(n.name) || alternatives.has(n.name)) continue;
    alternatives.set(n.name, { name: n.name, domain: 'name' in of ? of.name : '' });
  }
  const snap = {
    domains: [...domains.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    alternatives: [...alternatives.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    rejected: rejected.sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0)),
  };
  return { ...snap, hash: createHash('sha256').update(JSON.stringify(snap)).digest('hex') };
}
