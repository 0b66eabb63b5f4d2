// One DNSEndpoint per mail domain, as pure functions: which domains the operator publishes, what
// each one's object holds, and the writes that make the cluster match. The records themselves come
// from domainRecords (src/dns/domain.ts), the one place a mail domain's records are derived:
//
// - the config's domains (`domain`, `domains:`): the DNS plan (zone file, static DNSEndpoints)
//   already carries what the config knows, so the operator adds only what it cannot know: the
//   DKIM key Mailu holds and, when SPF follows live node addresses, the SPF record;
// - a domain known only from Mailu's admin: every record domainRecords gives for it (MX, SPF,
//   DMARC and its report authorisation, DKIM, MTA-STS, autoconfig/autodiscover CNAMEs and SRVs);
// - an alternative domain (Mailu accepts mail for it and its users may send as it): MX and SPF.
//
// Every record name is checked to lie under its domain (or to be that domain's DMARC report
// authorisation), so no name from the API can place a record anywhere else.
import { createHash } from 'node:crypto';
import { domainRecords } from '../../dns/domain.js';
import { endpointTarget } from '../../dns/endpoints.js';
import type { DnsRecord } from '../../dns/types.js';
import type { MailuConfig } from '../../config/schema.js';
import { canonicalEndpoints, desiredObject, endpointTargets, type Decision, type DnsEndpointObject, type Endpoint, type Finding, type Plan } from '../desired.js';
import { isOwned, type OperatorSettings } from '../settings.js';
import type { MailuSnapshot } from './snapshot.js';

/** Annotation holding the mail domain a per-domain DNSEndpoint publishes. */
export const DOMAIN_ANNOTATION = 'mailu-k8s.io/mail-domain';

export type DomainKind = 'primary' | 'configured' | 'mailu' | 'alternative';

export interface DomainEntry {
  name: string;
  domain: string;
  decision: Decision;
  /** canonicalEndpoints of an apply decision, computed once. */
  canonical?: string;
}

/**
 * What desiredDomains derived per domain, reused while its inputs (kind, key, SPF value) stay the
 * same: a pass runs on every relevant watch event, and hundreds of domains must not cost
 * hundreds of derivations each time.
 */
export type DomainCache = Map<string, { key: string; endpoints: Endpoint[]; canonical: string }>;

export interface DomainDesired {
  entries: DomainEntry[];
  findings: Finding[];
  /** Domains published, by kind (for metrics). */
  counts: Record<DomainKind, number>;
}

export interface DomainInputs {
  config: MailuConfig;
  settings: OperatorSettings;
  /** Mailu's domains as last read; undefined while the API is on but not read yet. */
  snapshot: MailuSnapshot | undefined;
  apiEnabled: boolean;
  /** The main SPF decision (desiredState's): its value is every domain's SPF when it is live. */
  spf: Decision;
  /** Whether SPF follows live addresses (the operator keeps it) at all. */
  liveSpf: boolean;
  current: ReadonlyMap<string, DnsEndpointObject>;
  cache?: DomainCache;
}

/** `<instance>-domain-<readable part>-<hash>`: a DNS-1123 name, unique per domain, at most 63 characters. */
export function domainEndpointName(instance: string, domain: string): string {
  const key = `${instance}/${domain}`;
  let name = names.get(key);
  if (name === undefined) {
    if (names.size > 50_000) names.clear();
    names.set(key, (name = makeName(instance, domain)));
  }
  return name;
}

/** Names are asked for on every pass, hashing is not free: computed once per domain. */
const names = new Map<string, string>();

function makeName(instance: string, domain: string): string {
  const hash = createHash('sha256').update(domain).digest('hex').slice(0, 10);
  const room = 63 - `${instance}-domain--${hash}`.length;
  const slug = domain.replace(/[^a-z0-9]+/g, '-').slice(0, Math.max(0, room)).replace(/^-+|-+$/g, '');
  return slug ? `${instance}-domain-${slug}-${hash}` : `${instance}-domain-${hash}`;
}

/** Is this one of our per-domain objects (owned, our prefix, the domain annotation)? */
export function isDomainObject(settings: OperatorSettings, o: DnsEndpointObject): boolean {
  return o.metadata.name.startsWith(`${settings.instance}-domain-`) && isOwned(o.metadata.labels, settings) && typeof o.metadata.annotations?.[DOMAIN_ANNOTATION] === 'string';
}

/** A record of `domain` may be named under it, or be its DMARC report authorisation in another zone. */
export function belongsTo(name: string, domain: string): boolean {
  if (name === domain || name.endsWith(`.${domain}`)) return true;
  return name.startsWith(`${domain}._report._dmarc.`);
}

function toEndpoints(records: DnsRecord[], settings: OperatorSettings): Endpoint[] {
  // One endpoint per (name, type): external-dns treats each as one RRset.
  const byKey = new Map<string, Endpoint>();
  for (const r of records) {
    const key = `${r.name}|${r.type}`;
    let ep = byKey.get(key);
    if (!ep) {
      ep = { dnsName: r.name, recordType: r.type, recordTTL: r.ttl, targets: [] };
      // Mail names must never be proxied by a CDN (Cloudflare); others ignore the property.
      if (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') ep.providerSpecific = [{ name: `${settings.annotationPrefix}cloudflare-proxied`, value: 'false' }];
      byKey.set(key, ep);
    }
    for (const v of r.values) {
      const t = endpointTarget(r.type, v);
      if (!ep.targets.includes(t)) ep.targets.push(t);
    }
    ep.recordTTL = Math.min(ep.recordTTL ?? r.ttl, r.ttl);
  }
  return [...byKey.values()].filter((e) => e.targets.length > 0);
}

const isSpf = (r: DnsRecord) => r.type === 'TXT' && (r.source === 'operator' || r.values.some((v) => v.startsWith('v=spf1')));

/** The SPF record of `domain` while SPF is live: the operator's value, or the one published. */
function liveSpfRecord(inp: DomainInputs, domain: string, name: string): DnsRecord | undefined {
  if (inp.spf.action === 'apply') {
    const value = inp.spf.endpoints[0]?.targets[0];
    return value ? { name: domain, type: 'TXT', ttl: inp.settings.ttl, values: [value], source: 'operator', purpose: 'SPF' } : undefined;
  }
  // No qualifying senders right now: keep what this domain's object publishes.
  const kept = inp.current.get(name)?.spec?.endpoints?.find((e) => e.dnsName === domain && e.recordType === 'TXT' && e.targets?.[0]?.startsWith('v=spf1'));
  return kept ? { name: domain, type: 'TXT', ttl: kept.recordTTL ?? inp.settings.ttl, values: [...kept.targets], source: 'operator', purpose: 'SPF' } : undefined;
}

function recordsFor(inp: DomainInputs, domain: string, kind: DomainKind, dkim: string | undefined, spf: DnsRecord | undefined): DnsRecord[] {
  const all = domainRecords(inp.config, domain, dkim ? { dkim } : {});
  const published = (r: DnsRecord) => r.source === 'static' && r.values.length > 0 && r.type !== 'PTR';
  let out: DnsRecord[];
  if (kind === 'primary' || kind === 'configured') {
    // The plan publishes the rest; only the key Mailu holds is new here.
    out = dkim ? all.filter((r) => published(r) && r.type === 'TXT' && r.values[0] === dkim) : [];
  } else if (kind === 'alternative') {
    out = all.filter((r) => published(r) && r.name === domain && (r.type === 'MX' || isSpf(r)));
  } else {
    out = all.filter((r) => published(r) && !(inp.liveSpf && isSpf(r)));
  }
  // The primary domain's SPF is the operator's own object (<instance>-spf); spf is undefined there.
  if (spf) out.push(spf);
  return out.filter((r) => belongsTo(r.name, domain));
}

interface Wanted {
  domain: string;
  kind: DomainKind;
  dkim?: string;
}

/** Which domains get an object, and with which kind: the config's, then Mailu's. */
function wantedDomains(inp: DomainInputs): Wanted[] {
  const { config } = inp;
  const configured = new Map<string, boolean>((config.domains ?? []).map((d) => [d.name, d.externalDns !== false]));
  const dkim = new Map((inp.snapshot?.domains ?? []).map((d) => [d.name, d.dkim]));
  const out: Wanted[] = [{ domain: config.domain, kind: 'primary', dkim: dkim.get(config.domain) }];
  for (const [domain, publish] of configured) if (publish) out.push({ domain, kind: 'configured', dkim: dkim.get(domain) });
  const seen = new Set([config.domain, ...configured.keys()]);
  for (const d of inp.snapshot?.domains ?? []) if (!seen.has(d.name)) out.push({ domain: d.name, kind: 'mailu', dkim: d.dkim });
  for (const d of inp.snapshot?.domains ?? []) seen.add(d.name);
  for (const a of inp.snapshot?.alternatives ?? []) if (!seen.has(a.name)) out.push({ domain: a.name, kind: 'alternative' });
  return out;
}

function endpointsFor(inp: DomainInputs, w: Wanted, name: string): { endpoints: Endpoint[]; canonical: string } {
  const spf = inp.liveSpf && w.kind !== 'primary' ? liveSpfRecord(inp, w.domain, name) : undefined;
  const key = `${w.kind}|${w.dkim ?? ''}|${spf ? `${spf.ttl}|${spf.values.join(' ')}` : ''}`;
  const hit = inp.cache?.get(w.domain);
  if (hit && hit.key === key) return hit;
  const endpoints = toEndpoints(recordsFor(inp, w.domain, w.kind, w.dkim, spf), inp.settings);
  const made = { key, endpoints, canonical: canonicalEndpoints(endpoints) };
  inp.cache?.set(w.domain, made);
  return made;
}

export function desiredDomains(inp: DomainInputs): DomainDesired {
  const counts: Record<DomainKind, number> = { primary: 0, configured: 0, mailu: 0, alternative: 0 };
  const result: DomainDesired = { entries: [], findings: [], counts };
  // Until Mailu has answered once, what it knows is unknown: leave every per-domain object alone.
  if (inp.apiEnabled && !inp.snapshot) return result;
  const byName = new Map<string, string>();
  const published = new Set<string>();
  for (const w of wantedDomains(inp)) {
    const name = domainEndpointName(inp.settings.instance, w.domain);
    const other = byName.get(name);
    if (other !== undefined) {
      result.findings.push({ key: `domain-name-clash/${name}`, severity: 'error', reason: 'DomainNameClash', message: `mail domains ${other} and ${w.domain} map to the same DNSEndpoint name ${name}; ${w.domain} is not published` });
      continue;
    }
    byName.set(name, w.domain);
    const { endpoints, canonical } = endpointsFor(inp, w, name);
    if (endpoints.length === 0) continue;
    counts[w.kind]++;
    published.add(name);
    result.entries.push({ name, domain: w.domain, canonical, decision: { action: 'apply', endpoints, targets: endpoints.flatMap((e) => e.targets) } });
  }
  if (inp.cache) for (const d of [...inp.cache.keys()]) if (!byName.has(domainEndpointName(inp.settings.instance, d))) inp.cache.delete(d);
  // Objects of domains that are gone (removed in Mailu, or no longer anything to publish).
  for (const [name, o] of inp.current) {
    if (published.has(name)) continue;
    if (!isDomainObject(inp.settings, o)) continue;
    const domain = o.metadata.annotations![DOMAIN_ANNOTATION]!;
    result.entries.push({ name, domain, decision: { action: 'delete', why: `mail domain ${domain} has nothing left to publish (no longer known to Mailu or the config)` } });
  }
  return result;
}

/** desired vs current for the per-domain objects: create, update (on difference only) or delete. */
export function planDomainWrites(settings: OperatorSettings, entries: readonly DomainEntry[], current: ReadonlyMap<string, DnsEndpointObject>): Plan {
  const plan: Plan = { writes: [], foreign: [] };
  for (const { name, domain, decision, canonical } of entries) {
    const cur = current.get(name);
    if (cur && !isOwned(cur.metadata.labels, settings)) {
      // Never touch what we did not write, even when it stands in our way.
      if (decision.action !== 'delete') plan.foreign.push(name);
      continue;
    }
    if (decision.action === 'delete') {
      if (cur) plan.writes.push({ op: 'delete', name, uid: cur.metadata.uid, resourceVersion: cur.metadata.resourceVersion, before: endpointTargets(cur), why: decision.why });
      continue;
    }
    if (decision.action !== 'apply') continue;
    const body = () => {
      const b = desiredObject(settings, name, decision.endpoints, cur);
      b.metadata.annotations = { ...(b.metadata.annotations ?? {}), [DOMAIN_ANNOTATION]: domain };
      return b;
    };
    if (!cur) {
      plan.writes.push({ op: 'create', name, body: body(), targets: decision.targets });
      continue;
    }
    const same =
      publishedCanonical(cur) === (canonical ?? canonicalEndpoints(decision.endpoints)) &&
      Object.entries(settings.ownerLabels).every(([k, v]) => cur.metadata.labels?.[k] === v) &&
      cur.metadata.annotations?.[DOMAIN_ANNOTATION] === domain;
    if (!same) plan.writes.push({ op: 'update', name, body: body(), before: endpointTargets(cur), targets: decision.targets });
  }
  return plan;
}

/** The informer replaces an object on every change, so its canonical form is computed once. */
const canonicalOf = new WeakMap<DnsEndpointObject, string>();
function publishedCanonical(o: DnsEndpointObject): string {
  let c = canonicalOf.get(o);
  if (c === undefined) canonicalOf.set(o, (c = canonicalEndpoints(o.spec?.endpoints)));
  return c;
}
