// SPF: one record, within the RFC 7208 limits, and passing for every address mail leaves from.
// The evaluation itself is mailauth's (gathered in run.ts); this file only judges the outcome.
import net from 'node:net';
import type { DnsPlan } from '../../dns/types.js';
import { canonicalIp } from '../resolver.js';
import type { CheckResult, LiveDns, SpfEvaluation } from '../types.js';
import { describeMiss, lookupErrorFix, normName, result, txtValues, ttlFor, zoneLine } from './common.js';

export const SPF_MAX_LOOKUPS = 10;
export const SPF_MAX_VOID = 2;
/** RFC 7208 §3.4: keep the name plus all TXT records at it under 450 octets. */
export const SPF_SIZE_GUIDELINE = 450;

const isSpf = (v: string): boolean => /^v=spf1(\s|$)/i.test(v.trim());

/** The record with `ip4:`/`ip6:` for `ip` inserted before the final all/redirect term. */
export function spfWithIp(record: string, ip: string): string {
  const terms = record.trim().split(/\s+/);
  const mech = `${net.isIPv6(ip) ? 'ip6' : 'ip4'}:${ip}`;
  let at = terms.findIndex((t, i) => i > 0 && (/^[+\-~?]?all$/i.test(t) || /^redirect=/i.test(t)));
  if (at < 0) at = terms.length;
  terms.splice(Math.max(at, 1), 0, mech);
  return terms.join(' ');
}

export interface SpfCheckInput {
  plan: DnsPlan;
  live: Pick<LiveDns, 'domainTxt' | 'spfProbes' | 'spfEvals'>;
  egressIps: string[];
  /** Mail leaves through this relay (its addresses are covered by an include:). */
  relayHost?: string;
}

export function checkSpf({ plan, live, egressIps, relayHost }: SpfCheckInput): CheckResult[] {
  const domain = normName(plan.domain);
  const planned = plan.spf.value.trim();
  const out: CheckResult[] = [];
  const answer = live.domainTxt;

  if (answer.kind === 'error') {
    return [result('spf.record', 'SPF', 'SPF record', 'fail', describeMiss(domain, 'TXT', answer), [lookupErrorFix(domain)])];
  }
  const txts = txtValues(answer);
  const spfs = txts.filter(isSpf);
  const publishPlanned = planned ? [`publish: ${zoneLine(domain, 'TXT', planned, ttlFor(plan, domain, 'TXT'))}`] : [`publish one TXT record at ${domain} starting with "v=spf1" that lists every egress address and ends with -all`];

  if (spfs.length === 0) {
    out.push(result('spf.record', 'SPF', 'SPF record', 'fail', `no v=spf1 TXT record at ${domain}: receivers see SPF "none" and many reject or junk the mail`, publishPlanned));
    return out;
  }
  if (spfs.length > 1) {
    out.push(
      result('spf.record', 'SPF', 'SPF record', 'fail', `${spfs.length} v=spf1 records at ${domain}: receivers return permerror (RFC 7208 §4.5)`, [
        `delete all but one; the one record should be:`,
        ...(planned ? [`publish: ${zoneLine(domain, 'TXT', planned, ttlFor(plan, domain, 'TXT'))}`] : [`a merge of: ${spfs.map((s) => `"${s}"`).join(' + ')}`]),
      ], { records: spfs }),
    );
    return out;
  }

  const record = spfs[0] ?? '';
  if (planned && record.replace(/\s+/g, ' ').toLowerCase() !== planned.replace(/\s+/g, ' ').toLowerCase()) {
    out.push(result('spf.record', 'SPF', 'SPF record', 'warn', `"${record}" differs from the planned "${planned}"`, [`publish: ${zoneLine(domain, 'TXT', planned, ttlFor(plan, domain, 'TXT'))} (unless the difference is intended)`], { record, planned }));
  } else {
    out.push(result('spf.record', 'SPF', 'SPF record', 'pass', `"${record}"`, undefined, { record }));
  }

  out.push(...limitChecks(domain, record, txts, live.spfProbes));
  out.push(...evalChecks(plan, record, egressIps, live.spfEvals, relayHost));
  return out;
}

function limitChecks(domain: string, record: string, txts: string[], probes: SpfEvaluation[]): CheckResult[] {
  const out: CheckResult[] = [];
  // The worst case is an address that matches nothing: every term gets evaluated. The probes ran
  // with raised limits, so the counts are the real totals (through includes and redirects).
  const byLookups = [...probes].sort((a, b) => b.lookups - a.lookups)[0];
  const byVoid = [...probes].sort((a, b) => b.voidLookups - a.voidLookups)[0];
  const lookups = byLookups?.lookups ?? 0;
  const voids = byVoid?.voidLookups ?? 0;
  const queries = (byLookups?.trace ?? []).slice(1).map((t) => `${t.type} ${t.name}`);
  const empty = (byVoid?.trace ?? []).filter((t) => t.outcome === 'nxdomain' || t.outcome === 'nodata').map((t) => `${t.type} ${t.name} (${t.outcome})`);
  // Size: one UDP answer must carry every TXT record at the name (RFC 7208 §3.4).
  const bytes = Buffer.byteLength(record, 'utf8');
  const total = domain.length + 1 + txts.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8') + Math.ceil(Math.max(1, Buffer.byteLength(t, 'utf8')) / 255), 0);

  const problems: string[] = [];
  const fix: string[] = [];
  let status: CheckResult['status'] = 'pass';
  if (lookups > SPF_MAX_LOOKUPS) {
    status = 'fail';
    problems.push(`${lookups} DNS-querying terms counted through includes, limit ${SPF_MAX_LOOKUPS}`);
    fix.push('replace include:/a/mx/ptr/exists terms by ip4:/ip6: ranges (flatten) or drop unused includes until at most 10 remain', `queries made: ${queries.join(', ')}`);
  }
  if (voids > SPF_MAX_VOID) {
    status = 'fail';
    problems.push(`${voids} void lookups (no data), limit ${SPF_MAX_VOID}`);
    fix.push(`remove terms naming hosts or domains that do not exist or have no records: ${empty.join(', ')}`);
  }
  if (total > SPF_SIZE_GUIDELINE) {
    if (status === 'pass') status = 'warn';
    problems.push(`name + all TXT records at ${domain} are ${total} bytes, guideline < ${SPF_SIZE_GUIDELINE} (RFC 7208 §3.4)`);
    fix.push(`shorten the SPF record (CIDR ranges instead of single addresses) or move other TXT records off ${domain}`);
  }
  const counts = `${lookups}/${SPF_MAX_LOOKUPS} lookups, ${voids}/${SPF_MAX_VOID} void, ${bytes} bytes`;
  const detail = problems.length === 0 ? counts : `${problems.join('; ')}${status === 'fail' ? ': receivers return permerror' : ''}`;
  out.push(
    result('spf.limits', 'SPF', 'SPF limits (RFC 7208)', status, detail, fix, {
      lookups,
      lookupLimit: SPF_MAX_LOOKUPS,
      voidLookups: voids,
      voidLimit: SPF_MAX_VOID,
      recordBytes: bytes,
      nameAndTxtBytes: total,
      sizeGuideline: SPF_SIZE_GUIDELINE,
      queries,
    }),
  );

  const broken = probes.find((p) => p.result === 'permerror' || p.result === 'temperror');
  if (broken && status !== 'fail') {
    const fixBroken =
      broken.result === 'temperror'
        ? ['a DNS lookup the record needs failed; make the named domain answerable, then run the doctor again']
        : ['fix the term named above; every include: target must publish its own v=spf1 record'];
    out.push(result('spf.syntax', 'SPF', 'SPF evaluation', 'fail', `evaluating "${record}" gives ${broken.result}: ${(broken.comment ?? '').replace(/^[^:]*: /, '')}`, fixBroken, { result: broken.result }));
  }
  const anyIp = probes.find((p) => p.result === 'pass');
  if (anyIp) {
    out.push(result('spf.open', 'SPF', 'SPF restricts senders', 'warn', `the record passes any address (the unused test address ${anyIp.ip} passed): anyone can send as ${domain}`, ['end the record with -all (or ~all) and list only your egress addresses'], { probe: anyIp.ip }));
  }
  return out;
}

function evalChecks(plan: DnsPlan, record: string, egressIps: string[], evals: SpfEvaluation[], relayHost?: string): CheckResult[] {
  if (egressIps.length === 0 && relayHost) {
    return [result('spf.eval', 'SPF', 'SPF for egress addresses', 'pass', `mail leaves through the relay ${relayHost}; its addresses must be covered by the record's include: terms (pass --egress-ip to evaluate one)`)];
  }
  if (egressIps.length === 0) {
    return [result('spf.eval', 'SPF', 'SPF for egress addresses', 'warn', 'no egress address known, so SPF could not be evaluated for the addresses mail leaves from', ['pass --egress-ip IP (repeatable) or set the egress address in the config'])];
  }
  const out: CheckResult[] = [];
  for (const ip of egressIps) {
    const ev = evals.find((e) => canonicalIp(e.ip) === canonicalIp(ip));
    const id = `spf.eval:${ip}`;
    const title = `SPF for ${ip}`;
    if (!ev) {
      out.push(result(id, 'SPF', title, 'fail', 'not evaluated'));
      continue;
    }
    const data = { result: ev.result, lookups: ev.lookups, voidLookups: ev.voidLookups, comment: ev.comment };
    if (ev.result === 'pass') {
      out.push(result(id, 'SPF', title, 'pass', `pass (${ev.lookups} lookups)`, undefined, data));
      continue;
    }
    const plannedCovers = plan.spf.value && plan.spf.senderIps.map(canonicalIp).includes(canonicalIp(ip));
    const fixed = plannedCovers ? plan.spf.value : spfWithIp(record, ip);
    const fix =
      ev.result === 'temperror'
        ? [lookupErrorFix(plan.domain)]
        : ev.result === 'permerror'
          ? ['fix the record first (see the SPF rows above)']
          : [`add ${net.isIPv6(ip) ? 'ip6' : 'ip4'}:${ip}; publish: ${zoneLine(plan.domain, 'TXT', fixed, ttlFor(plan, plan.domain, 'TXT'))}`];
    out.push(result(id, 'SPF', title, 'fail', `${ev.result}: receivers treat mail from ${ip} as ${ev.result === 'softfail' ? 'suspicious' : ev.result === 'neutral' ? 'unauthenticated' : 'not authorised'}${ev.comment ? ` (${ev.comment.replace(/^[^:]*: /, '')})` : ''}`, fix, data));
  }
  return out;
}
