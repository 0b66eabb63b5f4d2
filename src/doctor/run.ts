// Runs the doctor: starts every lookup at once (answers are shared through a cache, so SPF
// evaluation and the checks never ask twice), then hands the gathered answers to the pure checks.
import net from 'node:net';
import { spf } from 'mailauth/lib/spf/index.js';
import { reverseName } from '../dns/plan.js';
import type { DnsPlan } from '../dns/types.js';
import { checkAddresses } from './checks/address.js';
import { normName } from './checks/common.js';
import { checkDkim } from './checks/dkim.js';
import { checkDmarc, dmarcRecords, externalReportDomains, parseDmarcRecord } from './checks/dmarc.js';
import { checkMtaSts } from './checks/mta-sts.js';
import { checkMx } from './checks/mx.js';
import { checkHostPtr, checkPtr } from './checks/ptr.js';
import { checkSmtp } from './checks/smtp.js';
import { checkSpf } from './checks/spf.js';
import { checkSrv } from './checks/srv.js';
import {
  type Answer,
  cachingResolver,
  canonicalIp,
  type DnsResolver,
  DoctorInputError,
  mailauthResolver,
  type QueryTraceEntry,
} from './resolver.js';
import { probeSmtp, type SmtpTarget } from './smtp.js';
import type { CheckResult, DoctorReport, LiveDns, PtrLive, SmtpProbeResult, SpfEvaluation } from './types.js';

/** Addresses no SPF record should match: the worst case evaluates every term. */
export const SPF_PROBE_IPS = ['240.0.0.1', '100::1'] as const;

export interface RunOptions {
  plan: DnsPlan;
  resolver: DnsResolver & { cancel?: () => void };
  /** Addresses mail leaves from, given by the user; default: `configEgressIps`. */
  egressIps?: string[];
  /** Addresses mail leaves from according to the config; default: the plan's SPF sender addresses. */
  configEgressIps?: string[];
  /** Mail leaves through this relay: SPF/PTR of the sending addresses are the relay's business. */
  relayHost?: string;
  /** Addresses the primary hostname must resolve to; default: the plan's front addresses. */
  expectIps?: string[];
  smtp?: SmtpTarget;
  smtpTimeoutMs?: number;
}

/** The resolver did not answer at all: nothing can be checked. */
export class ResolverUnreachableError extends Error {
  override name = 'ResolverUnreachableError';
}

function validIps(list: string[], option: string): string[] {
  const out: string[] = [];
  for (const ip of list) {
    if (!net.isIP(ip.trim())) throw new DoctorInputError(`${option} "${ip}" is not an IP address`);
    const c = canonicalIp(ip.trim());
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

async function evaluateSpf(resolver: DnsResolver, domain: string, helo: string, ip: string, limits?: { maxResolveCount: number; maxVoidCount: number }): Promise<SpfEvaluation> {
  const trace: QueryTraceEntry[] = [];
  const res = await spf({
    sender: `postmaster@${domain}`,
    ip,
    helo,
    mta: 'mailu-k8s-doctor',
    resolver: mailauthResolver(resolver, (e) => trace.push(e)),
    ...(limits ?? {}),
  });
  const ev: SpfEvaluation = {
    ip,
    result: res.status.result,
    lookups: res.lookups?.count ?? 0,
    voidLookups: res.lookups?.void ?? 0,
    trace,
  };
  if (typeof res.status.comment === 'string') ev.comment = res.status.comment;
  if (res.rr) ev.record = res.rr;
  return ev;
}

async function gatherPtr(r: DnsResolver, ip: string): Promise<PtrLive> {
  const name = reverseName(ip);
  const ptr = await r.query(name, 'PTR');
  const forward: Record<string, Answer<string>> = {};
  if (ptr.kind === 'ok') {
    const type = net.isIPv6(ip) ? 'AAAA' : 'A';
    await Promise.all(
      ptr.records.map(async (target) => {
        forward[normName(target)] = await r.query(target, type);
      }),
    );
  }
  return { ip, name, ptr, forward };
}

async function gatherDmarc(r: DnsResolver, domain: string): Promise<LiveDns['dmarc']> {
  const name = `_dmarc.${domain}`;
  const txt = await r.query(name, 'TXT');
  const records = dmarcRecords(txt);
  const external = records.length === 1 ? externalReportDomains(parseDmarcRecord(records[0] ?? ''), domain) : [];
  const reportAuth = await Promise.all(
    external.map(async (reportDomain) => {
      const authName = `${domain}._report._dmarc.${reportDomain}`;
      return { reportDomain, name: authName, txt: await r.query(authName, 'TXT') };
    }),
  );
  return { name, txt, reportAuth };
}

async function gather(r: DnsResolver, plan: DnsPlan, egressIps: string[]): Promise<LiveDns> {
  const domain = normName(plan.domain);
  const host = normName(plan.primaryHostname);
  const srvNames = [...new Set(plan.records.filter((x) => x.type === 'SRV').map((x) => normName(x.name)))];
  const mtaStsHost = `mta-sts.${domain}`;
  const [mx, a, aaaa, cname, domainTxt, spfProbes, spfEvals, ptr, dkimTxt, dmarc, stsTxt, stsA, stsAaaa, srv] = await Promise.all([
    r.query(domain, 'MX'),
    r.query(host, 'A'),
    r.query(host, 'AAAA'),
    r.query(host, 'CNAME'),
    r.query(domain, 'TXT'),
    Promise.all(SPF_PROBE_IPS.map((ip) => evaluateSpf(r, domain, host, ip, { maxResolveCount: 100, maxVoidCount: 100 }))),
    Promise.all(egressIps.map((ip) => evaluateSpf(r, domain, host, ip))),
    Promise.all(egressIps.map((ip) => gatherPtr(r, ip))),
    r.query(`${plan.dkimSelector}._domainkey.${domain}`, 'TXT'),
    gatherDmarc(r, domain),
    r.query(`_mta-sts.${domain}`, 'TXT'),
    r.query(mtaStsHost, 'A'),
    r.query(mtaStsHost, 'AAAA'),
    Promise.all(srvNames.map(async (name) => ({ name, answer: await r.query(name, 'SRV') }))),
  ]);
  // The MX host's IPv6 addresses, from the AAAA answer above (shared through the cache).
  const hostV6 = aaaa.kind === 'ok' ? [...new Set(aaaa.records.map(canonicalIp))].filter((ip) => !egressIps.includes(ip)) : [];
  const hostPtr = await Promise.all(hostV6.map((ip) => gatherPtr(r, ip)));
  return {
    mx,
    host: { a, aaaa, cname },
    domainTxt,
    spfProbes,
    spfEvals,
    ptr,
    hostPtr,
    dkim: { name: `${plan.dkimSelector}._domainkey.${domain}`, txt: dkimTxt },
    dmarc,
    mtaSts: { name: `_mta-sts.${domain}`, txt: stsTxt, policyHost: { name: mtaStsHost, a: stsA, aaaa: stsAaaa } },
    srv,
  };
}

/** All checks over gathered answers (pure). */
export interface EvaluateOptions {
  egressIps: string[];
  expectIps: string[];
  relayHost?: string;
}

export function evaluate(plan: DnsPlan, live: LiveDns, o: EvaluateOptions, smtp?: SmtpProbeResult): CheckResult[] {
  const relay = o.relayHost !== undefined ? { relayHost: o.relayHost } : {};
  return [
    ...checkMx(plan, live),
    ...checkAddresses(plan, live, o.expectIps),
    ...checkSpf({ plan, live, egressIps: o.egressIps, ...relay }),
    ...checkPtr(plan, live, o.egressIps, o.relayHost),
    ...checkHostPtr(plan, live, o.egressIps, o.relayHost),
    ...checkDkim(plan, live),
    ...checkDmarc(plan, live),
    ...checkMtaSts(plan, live),
    ...checkSrv(plan, live),
    ...(smtp ? checkSmtp(plan, smtp) : []),
  ];
}

export async function runDoctorChecks(opts: RunOptions): Promise<DoctorReport> {
  const started = performance.now();
  const { plan } = opts;
  const egressFromOption = opts.egressIps !== undefined && opts.egressIps.length > 0;
  // The plan may list CIDR ranges as senders; only single addresses can be evaluated and reversed.
  const fromConfig = (opts.configEgressIps ?? plan.spf.senderIps).filter((ip) => net.isIP(ip));
  const egressIps = validIps(egressFromOption ? (opts.egressIps ?? []) : fromConfig, egressFromOption ? '--egress-ip' : 'config egress address');
  const expectIps = validIps(opts.expectIps !== undefined && opts.expectIps.length > 0 ? opts.expectIps : plan.frontAddresses, '--expect-ip');
  const r = cachingResolver(opts.resolver);

  // Everything starts now; the domain's MX answer doubles as the "is the resolver there" test.
  const mxFirst = r.query(normName(plan.domain), 'MX');
  const liveP = gather(r, plan, egressIps);
  const smtpP = opts.smtp ? probeSmtp(opts.smtp, { timeoutMs: opts.smtpTimeoutMs ?? 10_000 }) : undefined;
  const mx = await mxFirst;
  if (mx.kind === 'error' && (mx.code === 'timeout' || mx.code === 'unreachable')) {
    opts.resolver.cancel?.();
    liveP.catch(() => undefined);
    smtpP?.catch(() => undefined);
    const servers = r.servers.length > 0 ? r.servers.join(', ') : 'the system resolver';
    throw new ResolverUnreachableError(`DNS resolver ${servers} ${mx.code === 'timeout' ? 'did not answer (timed out)' : 'refused the connection (nothing listening)'} when asked for the MX of ${plan.domain}; check --resolver`);
  }
  const [live, smtpResult] = await Promise.all([liveP, smtpP]);
  const checks = evaluate(plan, live, { egressIps, expectIps, ...(opts.relayHost ? { relayHost: opts.relayHost } : {}) }, smtpResult);
  const summary = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) summary[c.status]++;
  return {
    domain: normName(plan.domain),
    primaryHostname: normName(plan.primaryHostname),
    resolvers: [...r.servers],
    egressIps,
    egressSource: egressFromOption ? 'option' : egressIps.length > 0 ? 'config' : 'none',
    expectedAddresses: expectIps,
    checks,
    summary,
    queries: r.sent,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Exit status for a report: 1 when a check fails (or warns, with strict), else 0. */
export function exitCodeFor(report: DoctorReport, strict: boolean): number {
  if (report.summary.fail > 0) return 1;
  if (strict && report.summary.warn > 0) return 1;
  return 0;
}
