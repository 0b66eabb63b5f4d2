// Test data for the doctor: a hand-built DNS plan for example.com and the zones of a fully
// correct deployment (forward zone and both reverse zones), which scenarios then break one
// record at a time.
import { generateKeyPairSync } from 'node:crypto';
import type { DnsPlan, DnsRecord } from '../../src/dns/types.js';
import { reverseNameOf, type TestRecord, type TestZone } from '../support/dns-server.js';

export const DOMAIN = 'example.com';
export const HOST = 'mail.example.com';
export const FRONT4 = '203.0.113.10';
export const FRONT6 = '2001:db8::10';
export const SPF = `v=spf1 ip4:${FRONT4} ip6:${FRONT6} -all`;
export const DMARC = 'v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com; adkim=s; aspf=s';
export const STS = 'v=STSv1; id=20240601';

/** SPKI DER of a fresh key, base64 — what goes into p= (generated once per process). */
function dkimKey(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
let key2048: string | undefined;
export function dkimValue(): string {
  key2048 ??= dkimKey(2048);
  return `v=DKIM1; k=rsa; p=${key2048}`;
}
export function dkimValue1024(): string {
  return `v=DKIM1; k=rsa; p=${dkimKey(1024)}`;
}

const rec = (name: string, type: DnsRecord['type'], values: string[], source: DnsRecord['source'] = 'static', ttl = 600): DnsRecord => ({
  name,
  type,
  ttl,
  values,
  source,
  purpose: 'test',
});

/** SRV records as planned for exposure ports 25, 465, 587, 993 (143, 110, 995 disabled). */
export const SRV_PLAN: Array<[string, string]> = [
  ['_submissions._tcp.example.com', `0 1 465 ${HOST}.`],
  ['_submission._tcp.example.com', `0 1 587 ${HOST}.`],
  ['_imaps._tcp.example.com', `0 1 993 ${HOST}.`],
  ['_imap._tcp.example.com', '0 0 0 .'],
  ['_pop3._tcp.example.com', '0 0 0 .'],
  ['_pop3s._tcp.example.com', '0 0 0 .'],
];

export function goodPlan(over: Partial<DnsPlan> = {}): DnsPlan {
  return {
    domain: DOMAIN,
    primaryHostname: HOST,
    hostnames: [HOST],
    frontAddresses: [FRONT4, FRONT6],
    mailPorts: [25, 465, 587, 993],
    ttl: 600,
    dkimSelector: 'dkim',
    spf: { value: SPF, strings: [SPF], lookups: 0, bytes: SPF.length, senderIps: [FRONT4, FRONT6], includes: [], source: 'static' },
    records: [
      rec(DOMAIN, 'MX', [`10 ${HOST}.`]),
      rec(HOST, 'A', [FRONT4]),
      rec(HOST, 'AAAA', [FRONT6]),
      rec(DOMAIN, 'TXT', [SPF]),
      rec(`dkim._domainkey.${DOMAIN}`, 'TXT', [], 'manual'),
      rec(`_dmarc.${DOMAIN}`, 'TXT', [DMARC]),
      rec(`_mta-sts.${DOMAIN}`, 'TXT', [STS]),
      rec(`mta-sts.${DOMAIN}`, 'CNAME', [`${HOST}.`]),
      ...SRV_PLAN.map(([n, v]) => rec(n, 'SRV', [v])),
    ],
    manual: [
      { kind: 'ptr', subject: FRONT4, expected: `${HOST}.`, instruction: 'set at the IP provider' },
      { kind: 'dkim', subject: `dkim._domainkey.${DOMAIN}`, expected: 'from Mailu admin', instruction: 'copy from admin' },
    ],
    // One mail domain: the doctor reads the primary's records from `records` above.
    domains: [{ domain: DOMAIN, primary: true, externalDns: false, records: [], manual: [] }],
    warnings: [],
    ...over,
  };
}

export interface ZoneOptions {
  /** Replace every record with this name+type (undefined value = delete). */
  replace?: Array<{ name: string; type: TestRecord['type']; values?: Array<string | string[]> }>;
  /** Extra records (any zone). */
  add?: TestRecord[];
}

export function goodRecords(): TestRecord[] {
  return [
    { name: DOMAIN, type: 'MX', value: `10 ${HOST}.` },
    { name: DOMAIN, type: 'TXT', value: SPF },
    { name: DOMAIN, type: 'TXT', value: 'google-site-verification=abc123' },
    { name: HOST, type: 'A', value: FRONT4 },
    { name: HOST, type: 'AAAA', value: FRONT6 },
    { name: `dkim._domainkey.${DOMAIN}`, type: 'TXT', value: dkimValue() },
    { name: `_dmarc.${DOMAIN}`, type: 'TXT', value: DMARC },
    { name: `_mta-sts.${DOMAIN}`, type: 'TXT', value: STS },
    { name: `mta-sts.${DOMAIN}`, type: 'CNAME', value: `${HOST}.` },
    ...SRV_PLAN.map(([name, value]) => ({ name, type: 'SRV' as const, value })),
    { name: reverseNameOf(FRONT4), type: 'PTR', value: `${HOST}.` },
    { name: reverseNameOf(FRONT6), type: 'PTR', value: `${HOST}.` },
  ];
}

/** The zones of a fully correct deployment, optionally broken by `opts`. */
export function zones(opts: ZoneOptions = {}): TestZone[] {
  let records = goodRecords();
  for (const r of opts.replace ?? []) {
    const n = r.name.toLowerCase();
    records = records.filter((x) => !(x.name.toLowerCase() === n && x.type === r.type));
    for (const v of r.values ?? []) records.push({ name: r.name, type: r.type, value: v });
  }
  records.push(...(opts.add ?? []));
  const origins = [DOMAIN, 'example.net', 'example.org', '113.0.203.in-addr.arpa', '100.51.198.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa'];
  return origins.map((origin) => ({
    origin,
    records: records.filter((r) => {
      const n = r.name.toLowerCase().replace(/\.$/, '');
      // longest matching origin wins
      const best = origins.filter((o) => n === o || n.endsWith(`.${o}`)).sort((a, b) => b.length - a.length)[0];
      return best === origin;
    }),
  }));
}

/**
 * The zones a deployment gets when every record of `plan` is published as planned (DKIM with a
 * fresh key, PTRs at the "provider"): what the doctor must find correct for a real plan.
 */
export function zonesFromPlan(plan: DnsPlan, opts: { drop?: Array<{ name: string; type: TestRecord['type'] }>; add?: TestRecord[] } = {}): TestZone[] {
  const records: TestRecord[] = [];
  for (const r of plan.records) {
    if (r.type === 'TXT' && r.name === `${plan.dkimSelector}._domainkey.${plan.domain}`) {
      records.push({ name: r.name, type: 'TXT', value: dkimValue() });
      continue;
    }
    for (const v of r.values) records.push({ name: r.name, type: r.type, value: v });
  }
  const dropped = records.filter((r) => !(opts.drop ?? []).some((d) => d.name === r.name && d.type === r.type));
  const all = [...dropped, ...(opts.add ?? [])];
  // The domain's own zone, plus one single-name zone per record outside it (reverse names, report
  // authorisations in other domains).
  const inDomain = (n: string): boolean => n === plan.domain || n.endsWith(`.${plan.domain}`);
  const outside = [...new Set(all.map((r) => r.name).filter((n) => !inDomain(n)))];
  return [{ origin: plan.domain, records: all.filter((r) => inDomain(r.name)) }, ...outside.map((origin) => ({ origin, records: all.filter((r) => r.name === origin) }))];
}
