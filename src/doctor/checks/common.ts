// Helpers shared by the pure check evaluators: zone-file lines for fixes, answer wording.
import type { DnsPlan, DnsRecord, RecordType } from '../../dns/types.js';
import type { Answer } from '../resolver.js';
import type { CheckResult, CheckStatus } from '../types.js';

/** Lower case, no trailing dot. */
export function normName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

export function fqdn(name: string): string {
  return name === '' || name === '.' ? '.' : `${normName(name)}.`;
}

/** A TXT value in zone-file form: quoted, split into 255-byte character-strings. */
export function quoteTxt(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  const parts: string[] = [];
  for (let i = 0; i < bytes.length || parts.length === 0; i += 255) {
    parts.push(`"${bytes.subarray(i, i + 255).toString('utf8').replace(/(["\\])/g, '\\$1')}"`);
  }
  return parts.join(' ');
}

/** One zone-file line, e.g. `example.com. 600 IN MX 10 mail.example.com.`. */
export function zoneLine(name: string, type: RecordType, value: string, ttl: number): string {
  return `${fqdn(name)} ${ttl} IN ${type} ${type === 'TXT' ? quoteTxt(value) : value}`;
}

export function planRecord(plan: DnsPlan, name: string, type: RecordType): DnsRecord | undefined {
  const n = normName(name);
  return plan.records.find((r) => r.type === type && normName(r.name) === n);
}

/**
 * The TTL advice uses: the planned record's own (operator records are short-lived), else the
 * plan's default, so the doctor never advises a TTL the plan does not use.
 */
export function ttlFor(plan: DnsPlan, name: string, type: RecordType): number {
  return planRecord(plan, name, type)?.ttl ?? plan.ttl;
}

/** Zone lines for a planned record (empty when the plan leaves the value to the operator). */
export function planLines(rec: DnsRecord | undefined): string[] {
  if (!rec) return [];
  return rec.values.map((v) => zoneLine(rec.name, rec.type, v, rec.ttl));
}

/** How an unsuccessful answer reads in a report. */
export function describeMiss(name: string, type: string, answer: Exclude<Answer<unknown>, { kind: 'ok' }>): string {
  switch (answer.kind) {
    case 'nxdomain':
      return `${name} does not exist (NXDOMAIN)`;
    case 'nodata':
      return `${name} has no ${type} record`;
    case 'error':
      // The resolver's own message only adds something when the code is not one we know.
      return `${type} lookup of ${name} failed: ${answer.code}${answer.code === 'other' && answer.message ? ` (${answer.message})` : ''}`;
  }
}

/** A lookup error is a DNS problem, not a missing record: the fix is different. */
export function lookupErrorFix(name: string): string {
  return `make ${name} answerable: the domain's authoritative servers must answer over UDP and TCP (check the NS records and the DNS provider)`;
}

/** TXT answers as whole values (character-strings joined without spaces, RFC 7208 §3.3). */
export function txtValues(answer: Answer<string[]>): string[] {
  return answer.kind === 'ok' ? answer.records.map((parts) => parts.join('')) : [];
}

export function result(
  id: string,
  area: CheckResult['area'],
  title: string,
  status: CheckStatus,
  detail: string,
  fix?: string[],
  data?: Record<string, unknown>,
): CheckResult {
  const r: CheckResult = { id, area, title, status, detail };
  if (fix && fix.length > 0 && status !== 'pass') r.fix = fix;
  if (data) r.data = data;
  return r;
}

/** Parses "k=v; k=v" tag lists (DKIM RFC 6376 §3.2, DMARC RFC 7489 §6.3, MTA-STS RFC 8461 §3.1). */
export function parseTags(value: string): { tags: Map<string, string>; order: string[]; errors: string[] } {
  const tags = new Map<string, string>();
  const order: string[] = [];
  const errors: string[] = [];
  for (const raw of value.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      errors.push(`"${part}" is not a tag=value pair`);
      continue;
    }
    const key = part.slice(0, eq).trim().toLowerCase();
    const val = part.slice(eq + 1).trim();
    if (tags.has(key)) errors.push(`tag ${key} appears twice`);
    tags.set(key, val);
    order.push(key);
  }
  return { tags, order, errors };
}

export function worst(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('warn')) return 'warn';
  return 'pass';
}
