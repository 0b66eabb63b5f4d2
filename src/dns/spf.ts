// The SPF builder: one function used by the DNS plan, the operator (live node IPs) and the doctor's
// advice, so the record we publish is computed in exactly one way, with RFC 7208's limits enforced.
import ipaddr from 'ipaddr.js';
import { sortIps } from '../model/net.js';

/** RFC 7208 §4.6.4: at most 10 DNS-querying terms per evaluation. */
export const SPF_MAX_LOOKUPS = 10;
/** RFC 7208 §3.4: keep the name plus its TXT data under 450 octets so answers fit in 512-byte UDP. */
export const SPF_MAX_BYTES = 450;
/** RFC 1035: one TXT character-string holds at most 255 octets. */
export const TXT_CHUNK = 255;

export interface SpfInput {
  /** IPv4 addresses or CIDRs. */
  ipv4: string[];
  /** IPv6 addresses or CIDRs. */
  ipv6: string[];
  /** Domains for include: terms (each costs one lookup, plus whatever they contain). */
  include: string[];
  all: '-all' | '~all';
  /** The record's owner name, to apply the 450-octet guideline to name + data. */
  domain?: string;
}

export interface SpfBuild {
  ok: boolean;
  value: string;
  strings: string[];
  /** DNS-querying terms in this record (includes count one each; their contents are not known here). */
  lookups: number;
  bytes: number;
  errors: string[];
}

function ipTerm(entry: string, family: 'ipv4' | 'ipv6'): string {
  const [addr, len] = entry.includes('/') ? ipaddr.parseCIDR(entry) : [ipaddr.parse(entry), undefined];
  const ip = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
  if (ip.kind() !== family) throw new Error(`${entry} is not ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`);
  const full = family === 'ipv4' ? 32 : 128;
  const suffix = len === undefined || len === full ? '' : `/${len}`;
  return `${family === 'ipv4' ? 'ip4' : 'ip6'}:${ip.toString()}${suffix}`;
}

/**
 * Splits a TXT value into character-strings of at most 255 octets (UTF-8), never inside a
 * character, preferring to cut after a space so the parts stay readable.
 */
export function splitTxt(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of value) {
    const b = Buffer.byteLength(ch);
    if (curBytes + b > TXT_CHUNK) {
      const space = cur.lastIndexOf(' ');
      const cut = space > cur.length / 2 ? space + 1 : cur.length;
      out.push(cur.slice(0, cut));
      cur = cur.slice(cut);
      curBytes = Buffer.byteLength(cur);
    }
    cur += ch;
    curBytes += b;
  }
  out.push(cur);
  return out;
}

export function buildSpf(input: SpfInput): SpfBuild {
  const errors: string[] = [];
  const terms: string[] = ['v=spf1'];
  const plain = (xs: string[]) => xs.filter((x) => !x.includes('/'));
  const ranges = (xs: string[]) => xs.filter((x) => x.includes('/'));
  for (const [family, list] of [['ipv4', input.ipv4], ['ipv6', input.ipv6]] as const) {
    // Sorted and de-duplicated, so the same facts always give the same record (no needless writes).
    const entries = [...sortIps(plain(list)), ...[...new Set(ranges(list))].sort()];
    for (const e of entries) {
      try {
        terms.push(ipTerm(e, family));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }
  const includes = [...new Set(input.include.map((d) => d.toLowerCase().replace(/\.$/, '')))];
  for (const d of includes) terms.push(`include:${d}`);
  terms.push(input.all);
  const value = terms.join(' ');
  const lookups = includes.length;
  const bytes = Buffer.byteLength(value);
  if (terms.length === 2) errors.push('SPF record would authorise no sender: no IPs and no include');
  if (lookups > SPF_MAX_LOOKUPS) {
    errors.push(`SPF needs ${lookups} DNS lookups; RFC 7208 allows ${SPF_MAX_LOOKUPS} (receivers return permerror)`);
  }
  const sized = bytes + (input.domain ? Buffer.byteLength(input.domain) : 0);
  if (sized > SPF_MAX_BYTES) {
    errors.push(`SPF record is ${sized} bytes with its name; keep it under ${SPF_MAX_BYTES} (RFC 7208 §3.4): use a CIDR or an include`);
  }
  if (!/^[\x20-\x7e]*$/.test(value)) errors.push('SPF record must be 7-bit ASCII');
  return { ok: errors.length === 0, value, strings: splitTxt(value), lookups, bytes, errors };
}
