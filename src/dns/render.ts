// Outputs of the DNS plan for people and tools: an RFC 1035 master file, JSON, and a table.
// None of them decides anything; they only lay out what planDns() computed.
import { inZone, planForDomain } from './plan.js';
import { splitTxt, TXT_CHUNK } from './spf.js';
import type { DnsPlan, DnsRecord, ManualStep } from './types.js';

// ---------------------------------------------------------------- zone file

/** One TXT character-string in master-file syntax: quoted, with `"` `\` and non-printables escaped. */
function quoteChunk(chunk: string): string {
  const bytes = Buffer.from(chunk, 'utf8');
  if (bytes.length > TXT_CHUNK) throw new Error(`TXT character-string of ${bytes.length} bytes exceeds ${TXT_CHUNK}`);
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** A TXT value as RDATA: one or more quoted <=255-byte character-strings (RFC 1035 §3.3.14). */
export function txtRdata(value: string): string {
  return splitTxt(value).map(quoteChunk).join(' ');
}

function rdata(rec: DnsRecord, value: string): string {
  return rec.type === 'TXT' ? txtRdata(value) : value;
}

const abs = (name: string): string => `${name}.`;

type Row = readonly [string, string, string, string, string];

function rowsOf(recs: DnsRecord[]): Row[] {
  return recs.flatMap((r) => r.values.map((v) => [abs(r.name), String(r.ttl), 'IN', r.type, rdata(r, v)] as const));
}

/** Lines `name ttl IN type rdata`, padded to the widths of `all` so a whole section reads as columns. */
function rrLines(recs: DnsRecord[], prefix = '', all: DnsRecord[] = recs): string[] {
  const widthRows = rowsOf(all);
  const w = [0, 1, 2, 3].map((i) => Math.max(0, ...widthRows.map((row) => row[i]!.length)));
  return rowsOf(recs).map((row) => `${prefix}${row.slice(0, 4).map((c, i) => c.padEnd(w[i]!)).join(' ')} ${row[4]}`);
}

/** Records that read best under one heading: the RFC 6186 SRV set and the host aliases. */
function groupOf(rec: DnsRecord): string | undefined {
  if (rec.type === 'SRV') return 'Client service records (RFC 6186): live ones point at enabled ports; "0 0 0 ." means not offered';
  if (rec.type === 'CNAME') return `Aliases of ${(rec.values[0] ?? '').replace(/\.$/, '')}: host names that front also serves`;
  return undefined;
}

/** What a record without a static value would hold, for the comment that replaces it. */
function placeholder(rec: DnsRecord, plan: DnsPlan): string {
  if (rec.type === 'A' || rec.type === 'AAAA') return '<public address>';
  if (rec.type === 'TXT' && rec.name === `${plan.dkimSelector}._domainkey.${plan.domain}`) {
    return '"v=DKIM1; k=rsa; p=<public key from Mailu admin>"';
  }
  if (rec.type === 'TXT' && rec.name === plan.domain) return '"v=spf1 <every address mail leaves from> -all"';
  return '<value>';
}

function commentBlock(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : ['', `; ---- ${title}`, ...lines];
}

/**
 * An RFC 1035 master file for the domain's zone. Static records are live lines with absolute names;
 * records the operator keeps, records still to be filled in by hand, records that belong to other
 * zones and reverse-DNS entries are comments (the latter two as complete record lines to copy).
 * No SOA/NS: the file is imported into a zone the DNS provider already holds.
 */
export function renderZone(plan: DnsPlan): string {
  const ttl = plan.records.find((r) => r.source === 'static')?.ttl ?? plan.records[0]?.ttl ?? 600;
  const out: string[] = [
    `; DNS records for ${plan.domain}, computed by mailu-k8s from its config.`,
    `; Import into the ${plan.domain} zone at your DNS provider; it keeps the zone's own SOA and NS records.`,
    `$ORIGIN ${abs(plan.domain)}`,
    `$TTL ${ttl}`,
  ];

  const live = plan.records.filter((r) => r.type !== 'PTR' && r.source === 'static' && r.values.length > 0 && inZone(r.name, plan.domain));
  for (let i = 0; i < live.length; ) {
    const group = groupOf(live[i]!);
    let j = i + 1;
    while (group !== undefined && j < live.length && groupOf(live[j]!) === group) j++;
    const run = live.slice(i, j);
    out.push('', `; ${run.length > 1 && group ? group : run[0]!.purpose}`, ...rrLines(run, '', live));
    i = j;
  }

  const operator = plan.records.filter((r) => r.source === 'operator' && r.type !== 'PTR');
  out.push(
    ...commentBlock(
      'Not static: kept current at run time (a static copy would go stale)',
      operator.flatMap((r) => [`; ${abs(r.name)} ${r.ttl} IN ${r.type} ${placeholder(r, plan)}`, `;     ${r.purpose}`]),
    ),
  );

  const todo = plan.records.filter((r) => r.source === 'manual' && r.type !== 'PTR');
  out.push(
    ...commentBlock(
      'To publish by hand once the value is known',
      todo.flatMap((r) => [
        ...(r.values.length > 0 ? rrLines([r], '; ') : [`; ${abs(r.name)} ${r.ttl} IN ${r.type} ${placeholder(r, plan)}`]),
        `;     ${r.purpose}`,
      ]),
    ),
  );

  const foreign = plan.records.filter((r) => r.type !== 'PTR' && r.values.length > 0 && r.source === 'static' && !inZone(r.name, plan.domain));
  out.push(
    ...commentBlock(
      `Records outside ${plan.domain}: publish each in the zone that holds its name`,
      foreign.flatMap((r) => [`;     ${r.purpose}`, ...rrLines([r], '; ')]),
    ),
  );

  const ptr = plan.records.filter((r) => r.type === 'PTR');
  out.push(
    ...commentBlock(
      'Reverse DNS: set by the provider that owns each sending address (not in this zone)',
      rrLines(ptr, '; '),
    ),
  );
  return `${out.join('\n')}\n`;
}

/**
 * One zone file per mail domain, the primary first, one after the other: each starts with its own
 * `$ORIGIN` and holds only what belongs in (or is to be copied from) that domain's zone.
 */
export function renderZones(plan: DnsPlan): string {
  return plan.domains.map((d) => renderZone(planForDomain(plan, d.domain)!)).join('\n');
}

// ---------------------------------------------------------------- JSON

export function renderJson(plan: DnsPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

// ---------------------------------------------------------------- table

function emptyValue(rec: DnsRecord): string {
  if (rec.source === 'operator') return '(kept current at run time)';
  return '(publish by hand, see below)';
}

function stepLine(step: ManualStep): string {
  const label = step.kind === 'ptr' ? `PTR for ${step.subject}` : step.kind === 'dkim' ? `DKIM ${step.subject}` : step.subject;
  return `${label}: ${step.instruction}`;
}

/**
 * Aligned columns for people: one table per mail domain (the primary's also lists the host
 * records), each followed by its manual steps.
 */
export function renderTable(plan: DnsPlan): string {
  return plan.domains.map((d) => renderDomainTable(planForDomain(plan, d.domain)!)).join('\n');
}

function renderDomainTable(plan: DnsPlan): string {
  const header = ['NAME', 'TYPE', 'TTL', 'SOURCE', 'VALUE'];
  const rows: string[][] = [];
  for (const r of plan.records) {
    const values = r.values.length > 0 ? r.values : [emptyValue(r)];
    const source = r.source === 'static' && !inZone(r.name, plan.domain) && r.type !== 'PTR' ? 'other zone' : r.source;
    for (const v of values) rows.push([r.name, r.type, String(r.ttl), source, v]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const rule = widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w));
  const out = [`DNS plan for ${plan.domain} (primary hostname ${plan.primaryHostname})`, '', fmt(header), fmt(rule), ...rows.map(fmt)];
  if (plan.manual.length > 0) {
    out.push('', 'Manual steps:');
    plan.manual.forEach((s, i) => out.push(`  ${i + 1}. ${stepLine(s)}`));
  }
  return `${out.join('\n')}\n`;
}
