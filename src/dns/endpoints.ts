// The static part of the DNS plan as external-dns DNSEndpoint objects (crd source), for clusters
// where external-dns writes the zone. Records the operator keeps, manual records and PTRs are never
// in them: a static copy of a live value would fight the operator or go stale.
import type { MailuConfig } from '../config/schema.js';
import { objectLabels } from '../model/labels.js';
import { inZone } from './plan.js';
import type { DnsPlan, DnsRecord } from './types.js';

export const DNSENDPOINT_API_VERSION = 'externaldns.k8s.io/v1alpha1';

export interface DnsEndpointTarget {
  dnsName: string;
  recordType: string;
  targets: string[];
  recordTTL: number;
  providerSpecific?: { name: string; value: string }[];
}

export interface DnsEndpointManifest {
  apiVersion: typeof DNSENDPOINT_API_VERSION;
  kind: 'DNSEndpoint';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { endpoints: DnsEndpointTarget[] };
}

const noDot = (s: string): string => (s.endsWith('.') && s !== '.' ? s.slice(0, -1) : s);

/** A plan value in the form external-dns expects: names without the trailing dot. */
export function endpointTarget(type: DnsRecord['type'], value: string): string {
  switch (type) {
    case 'MX':
    case 'SRV': {
      // "10 host" / "prio weight port host"; the "0 0 0 ." root target must keep its dot.
      const parts = value.trim().split(/\s+/);
      const host = parts.pop() ?? '';
      return [...parts, noDot(host)].join(' ');
    }
    case 'CNAME':
    case 'PTR':
      return noDot(value);
    default:
      // TXT: the whole logical value; the provider splits it into character-strings.
      return value;
  }
}

function endpointsOf(records: DnsRecord[], config: MailuConfig): DnsEndpointTarget[] {
  // One endpoint per (name, type): external-dns treats each as one RRset.
  const byKey = new Map<string, DnsEndpointTarget>();
  for (const r of records) {
    const key = `${r.name}|${r.type}`;
    let ep = byKey.get(key);
    if (!ep) {
      ep = { dnsName: r.name, recordType: r.type, targets: [], recordTTL: r.ttl };
      // A mail host behind a CDN proxy stops receiving mail: tell Cloudflare explicitly (other
      // providers ignore unknown provider-specific properties).
      if (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') {
        ep.providerSpecific = [{ name: `${config.dns.externalDns.annotationPrefix}cloudflare-proxied`, value: 'false' }];
      }
      byKey.set(key, ep);
    }
    for (const v of r.values) {
      const t = endpointTarget(r.type, v);
      if (!ep.targets.includes(t)) ep.targets.push(t);
    }
    ep.recordTTL = Math.min(ep.recordTTL, r.ttl);
  }
  return [...byKey.values()];
}

const publishable = (records: DnsRecord[]): DnsRecord[] => records.filter((r) => r.source === 'static' && r.values.length > 0 && r.type !== 'PTR');

/**
 * DNSEndpoint manifests for the plan's static records: `<instance>-dns-static` for the primary
 * domain's zone (with the host records), `<instance>-dns-<domain>` for each other mail domain's
 * zone, and `<instance>-dns-other-zones` for records whose names lie outside their domain's zone
 * (a DMARC report authorisation, a primary hostname in another domain). Objects without records
 * are left out. With `onlyPublished` (the chart), only domains whose externalDns is on.
 */
export function dnsEndpointManifests(plan: DnsPlan, config: MailuConfig, opts: { onlyPublished?: boolean } = {}): DnsEndpointManifest[] {
  const groups: [string, DnsRecord[]][] = [];
  const foreign: DnsRecord[] = [];
  for (const d of plan.domains.filter((x) => x.externalDns || !opts.onlyPublished)) {
    const recs = publishable(d.primary ? plan.records : d.records);
    groups.push([d.primary ? 'dns-static' : `dns-${d.domain}`, recs.filter((r) => inZone(r.name, d.domain))]);
    foreign.push(...recs.filter((r) => !inZone(r.name, d.domain)));
  }
  groups.push(['dns-other-zones', foreign]);
  return groups
    .filter(([, recs]) => recs.length > 0)
    .map(([suffix, recs]) => ({
      apiVersion: DNSENDPOINT_API_VERSION,
      kind: 'DNSEndpoint' as const,
      metadata: {
        name: `${config.instance}-${suffix}`,
        namespace: config.namespace,
        labels: objectLabels(config.instance, 'dns'),
      },
      spec: { endpoints: endpointsOf(recs, config) },
    }));
}
