// Shapes shared by the doctor's checks, runner and renderers.
import type { Answer, MxAnswer, QueryTraceEntry, SrvAnswer } from './resolver.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export type CheckArea = 'MX' | 'Address' | 'SPF' | 'PTR' | 'DKIM' | 'DMARC' | 'MTA-STS' | 'SRV' | 'SMTP';

export interface CheckResult {
  /** Stable identifier for machines, e.g. "spf.eval:203.0.113.10". */
  id: string;
  area: CheckArea;
  /** Short name shown in the table, e.g. "SPF for 203.0.113.10". */
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** For warn/fail: the exact record to publish or the step to take, one line each. */
  fix?: string[];
  /** Extra facts for --json (SPF result, lookup counts, parsed tags …). */
  data?: Record<string, unknown>;
}

export interface DoctorReport {
  domain: string;
  primaryHostname: string;
  resolvers: string[];
  /** Addresses whose SPF and PTR were checked, and where they came from. */
  egressIps: string[];
  egressSource: 'option' | 'config' | 'none';
  expectedAddresses: string[];
  checks: CheckResult[];
  summary: { pass: number; warn: number; fail: number };
  /** DNS queries that went out (after sharing). */
  queries: number;
  durationMs: number;
}

/** One SPF evaluation done by mailauth, reduced to what the checks need. */
export interface SpfEvaluation {
  ip: string;
  /** pass | fail | softfail | neutral | none | permerror | temperror */
  result: string;
  comment?: string;
  /** The record mailauth evaluated (first level). */
  record?: string;
  lookups: number;
  voidLookups: number;
  /** Queries the evaluation made, in order (the first TXT included). */
  trace: QueryTraceEntry[];
}

/** Everything the doctor looked up, gathered in parallel before any check runs. */
export interface LiveDns {
  mx: Answer<MxAnswer>;
  host: { a: Answer<string>; aaaa: Answer<string>; cname: Answer<string> };
  domainTxt: Answer<string[]>;
  /** Worst-case SPF evaluations with a never-matching address and raised limits (v4, v6). */
  spfProbes: SpfEvaluation[];
  /** Per egress IP, evaluated with the RFC 7208 limits. */
  spfEvals: SpfEvaluation[];
  ptr: PtrLive[];
  /** Reverse DNS of the MX host's IPv6 addresses (from its AAAA answer) that are not egress addresses. */
  hostPtr?: PtrLive[];
  dkim: { name: string; txt: Answer<string[]> };
  dmarc: { name: string; txt: Answer<string[]>; reportAuth: ReportAuthLive[] };
  mtaSts: { name: string; txt: Answer<string[]>; policyHost: { name: string; a: Answer<string>; aaaa: Answer<string> } };
  srv: SrvLive[];
}

export interface PtrLive {
  ip: string;
  name: string;
  ptr: Answer<string>;
  /** Forward lookups (A for IPv4, AAAA for IPv6) of each PTR target. */
  forward: Record<string, Answer<string>>;
}

export interface ReportAuthLive {
  /** The external report domain (from rua/ruf). */
  reportDomain: string;
  name: string;
  txt: Answer<string[]>;
}

export interface SrvLive {
  name: string;
  answer: Answer<SrvAnswer>;
}

export interface SmtpProbeResult {
  host: string;
  port: number;
  connected: boolean;
  error?: string;
  banner?: string;
  /** First word after "220" in the greeting. */
  bannerHost?: string;
  ehloLines?: string[];
  starttls?: boolean;
}
