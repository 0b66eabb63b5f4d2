// The DNS plan: every record a Mailu deployment needs, computed from the config by pure code.
// Renderers (zone file, table, JSON, DNSEndpoint objects), the operator and the doctor all read it,
// so they can never disagree about what a record should be.

export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'CNAME' | 'SRV' | 'PTR';

/** Who makes the record true. */
export type RecordSource =
  | 'static' // fully known from the config: publish it (zone file / DNSEndpoint)
  | 'operator' // value depends on where pods run: the DNS operator keeps it current
  | 'manual'; // cannot be published in the zone (PTR at the IP owner, DKIM key from Mailu admin)

export interface DnsRecord {
  /** Fully qualified name without the trailing dot, lower case. */
  name: string;
  type: RecordType;
  ttl: number;
  /**
   * Record data, one entry per RR. TXT: the whole logical value (not split; renderers split at 255
   * bytes). MX: "10 mail.example.com." SRV: "0 1 993 mail.example.com." (or "0 0 0 ."). CNAME/PTR:
   * a FQDN with trailing dot. A/AAAA: addresses. Empty for operator-managed records whose value is
   * not known statically.
   */
  values: string[];
  source: RecordSource;
  /** One short line saying why the record exists. */
  purpose: string;
}

/** A step the user must take outside the zone (e.g. a PTR at the IP's provider). */
export interface ManualStep {
  kind: 'ptr' | 'dkim' | 'info';
  /** e.g. the IP for a PTR step. */
  subject: string;
  /** What to set, e.g. the PTR target hostname, or the record to copy from Mailu's admin UI. */
  expected: string;
  instruction: string;
}

export interface SpfPlan {
  /** The full record value ("v=spf1 ... -all"). Empty when the operator computes it from live facts. */
  value: string;
  /** The same value split into <=255-byte character-strings. */
  strings: string[];
  lookups: number;
  bytes: number;
  /** IP addresses that send mail (ip4/ip6 mechanisms), known statically. */
  senderIps: string[];
  /** include: domains (relay mode, user extras). */
  includes: string[];
  source: RecordSource;
}

/** One mail domain's part of the plan: the records of its own zone (and its report authorisations). */
export interface DomainPlan {
  domain: string;
  /** The config's `domain`. */
  primary: boolean;
  /** external-dns publishes its static records (DNSEndpoints). */
  externalDns: boolean;
  /** The domain's records (src/dns/domain.ts): MX, SPF, DMARC, DKIM, MTA-STS, aliases, SRV. */
  records: DnsRecord[];
  /** Steps outside the zone for this domain (its DKIM key). */
  manual: ManualStep[];
}

export interface DnsPlan {
  /** The primary mail domain (the config's `domain`); `records` and `manual` are its zone's. */
  domain: string;
  /** HOSTNAMES[0]: MX target, HELO/banner name, PTR target. */
  primaryHostname: string;
  hostnames: string[];
  /** Expected addresses of the primary hostname (static), empty when left to the operator. */
  frontAddresses: string[];
  /** Public mail ports (exposure.ports). */
  mailPorts: number[];
  dkimSelector: string;
  spf: SpfPlan;
  /** TTL of every record the plan publishes unless it says otherwise (dns.ttl). */
  ttl: number;
  records: DnsRecord[];
  manual: ManualStep[];
  /**
   * Every mail domain, the primary first, each with its own records. The primary's records are
   * also in `records` above, with the host records (addresses of the primary hostname, PTRs)
   * that belong to no mail domain; planForDomain() gives one domain's view.
   */
  domains: DomainPlan[];
  /** Problems that do not stop rendering (e.g. SPF left to the operator). */
  warnings: string[];
}
