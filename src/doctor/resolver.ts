// The doctor's view of DNS: a small resolver interface whose answers keep "the name does not
// exist" (NXDOMAIN), "no records of this type" (NODATA) and "the server did not answer" apart,
// because each leads to a different verdict and a different fix. The adapter sends every query
// to the --resolver servers through node's c-ares resolver; a caching layer shares answers
// (and in-flight queries) between checks and the SPF library.
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export type QueryType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'CNAME' | 'SRV' | 'PTR' | 'NS';

export interface MxAnswer {
  priority: number;
  exchange: string;
}
export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

export interface RecordsByType {
  A: string;
  AAAA: string;
  MX: MxAnswer;
  /** The character-strings of one TXT record, as received (join them for the value). */
  TXT: string[];
  CNAME: string;
  SRV: SrvAnswer;
  PTR: string;
  NS: string;
}

/** Why a query produced no usable answer although a server was asked. */
export type LookupErrorCode = 'timeout' | 'unreachable' | 'servfail' | 'refused' | 'bad-response' | 'other';

export type Answer<T> =
  | { kind: 'ok'; records: T[] }
  | { kind: 'nxdomain' }
  | { kind: 'nodata' }
  | { kind: 'error'; code: LookupErrorCode; message: string };

export interface DnsResolver {
  query<K extends QueryType>(name: string, type: K): Promise<Answer<RecordsByType[K]>>;
  /** The servers asked, for the report ("system" when none were given). */
  readonly servers: readonly string[];
}

/** Input the user got wrong (exit code 2). */
export class DoctorInputError extends Error {
  override name = 'DoctorInputError';
}

/**
 * "HOST[:PORT]" → the form c-ares takes ("1.2.3.4:53", "[::1]:53"). HOST must be an IP address:
 * a resolver cannot be found by name without a resolver.
 */
export function parseResolverSpec(spec: string): string {
  const s = spec.trim();
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
  } else if (net.isIPv6(s)) {
    host = s;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(s);
    host = m?.[1] ?? '';
    port = m?.[2];
  }
  if (!net.isIP(host)) throw new DoctorInputError(`--resolver "${spec}": expected an IP address with an optional port (e.g. 1.1.1.1, 127.0.0.1:5353, [2606:4700:4700::1111]:53)`);
  const p = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new DoctorInputError(`--resolver "${spec}": port must be 1-65535`);
  return net.isIPv6(host) ? `[${host}]:${p}` : `${host}:${p}`;
}

/** Canonical text of an address (compressed, lower case IPv6; IPv4-mapped IPv6 → IPv4). */
export function canonicalIp(ip: string): string {
  const addr = ipaddr.process(ip);
  return addr.toString();
}

export function errorCodeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Classifies a c-ares error; undefined when the code is not an error (NXDOMAIN / NODATA). */
function classify(code: string | undefined): LookupErrorCode {
  switch (code) {
    case 'ETIMEOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'unreachable';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
      return 'refused';
    case 'EBADRESP':
    case 'EFORMERR':
    case 'EBADNAME':
      return 'bad-response';
    default:
      return 'other';
  }
}

export interface NodeResolverOptions {
  /** c-ares server strings (see parseResolverSpec); empty = the system's resolvers. */
  servers?: string[];
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Attempts per server. */
  tries?: number;
}

export function createNodeResolver(opts: NodeResolverOptions = {}): DnsResolver & { cancel(): void } {
  const r = new dnsPromises.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
  const servers = opts.servers ?? [];
  if (servers.length > 0) r.setServers(servers);
  const run = (name: string, type: QueryType): Promise<unknown[]> => {
    switch (type) {
      case 'A':
        return r.resolve4(name);
      case 'AAAA':
        return r.resolve6(name);
      case 'MX':
        return r.resolveMx(name);
      case 'TXT':
        return r.resolveTxt(name);
      case 'CNAME':
        return r.resolveCname(name);
      case 'SRV':
        return r.resolveSrv(name);
      case 'PTR':
        return r.resolvePtr(name);
      case 'NS':
        return r.resolveNs(name);
    }
  };
  return {
    servers: servers.length > 0 ? servers : r.getServers(),
    cancel: () => r.cancel(),
    async query<K extends QueryType>(name: string, type: K): Promise<Answer<RecordsByType[K]>> {
      try {
        const records = (await run(name, type)) as RecordsByType[K][];
        return records.length > 0 ? { kind: 'ok', records } : { kind: 'nodata' };
      } catch (err) {
        const code = errorCodeOf(err);
        if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
        if (code === 'ENODATA') return { kind: 'nodata' };
        const message = err instanceof Error ? err.message : String(err);
        return { kind: 'error', code: classify(code), message };
      }
    },
  };
}

export interface QueryTraceEntry {
  name: string;
  type: QueryType;
  outcome: Answer<unknown>['kind'];
}

/** Shares answers and in-flight queries; counts the queries that really went out. */
export interface CachingResolver extends DnsResolver {
  readonly sent: number;
}

export function cachingResolver(inner: DnsResolver): CachingResolver {
  const cache = new Map<string, Promise<Answer<unknown>>>();
  let sent = 0;
  return {
    servers: inner.servers,
    get sent() {
      return sent;
    },
    query<K extends QueryType>(name: string, type: K): Promise<Answer<RecordsByType[K]>> {
      const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
      let p = cache.get(key);
      if (!p) {
        sent++;
        p = inner.query(name, type);
        cache.set(key, p);
      }
      return p as Promise<Answer<RecordsByType[K]>>;
    },
  };
}

/** The error shape node's resolver throws, which mailauth understands (ENOTFOUND, ETIMEOUT …). */
function nodeStyleError(name: string, type: string, answer: Exclude<Answer<unknown>, { kind: 'ok' }>): Error & { code: string } {
  const code =
    answer.kind === 'nxdomain'
      ? 'ENOTFOUND'
      : answer.kind === 'nodata'
        ? 'ENODATA'
        : ({ timeout: 'ETIMEOUT', unreachable: 'ECONNREFUSED', servfail: 'ESERVFAIL', refused: 'EREFUSED', 'bad-response': 'EBADRESP', other: 'EOTHER' } as const)[answer.code];
  return Object.assign(new Error(`query${type} ${code} ${name}`), { code });
}

/**
 * Adapts our resolver to the `(name, rrtype) => Promise` function mailauth takes, so SPF
 * evaluation asks the same servers (and shares the cache). `trace` receives every query.
 */
export function mailauthResolver(r: DnsResolver, trace?: (e: QueryTraceEntry) => void): (name: string, rrtype: string) => Promise<never[]> {
  return async (name: string, rrtype: string) => {
    const type = rrtype.toUpperCase() as QueryType;
    if (!['A', 'AAAA', 'MX', 'TXT', 'CNAME', 'SRV', 'PTR', 'NS'].includes(type)) {
      throw Object.assign(new Error(`unsupported query type ${rrtype}`), { code: 'ENOTIMP' });
    }
    const answer = await r.query(name, type);
    trace?.({ name, type, outcome: answer.kind });
    if (answer.kind === 'ok') return answer.records as never[];
    throw nodeStyleError(name, type, answer);
  };
}
