// DMARC: one valid record at _dmarc.<domain>; the policy and alignment modes are reported, and
// report addresses in other domains need those domains' consent (RFC 7489 §7.1).
import { externalReportDomains as planReportDomains } from '../../dns/plan.js';
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, parseTags, planLines, planRecord, result, txtValues, ttlFor, zoneLine } from './common.js';

export interface ParsedDmarc {
  ok: boolean;
  errors: string[];
  p?: string;
  sp?: string;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
  pct: number;
  rua: string[];
  ruf: string[];
}

const POLICIES = ['none', 'quarantine', 'reject'];

export function parseDmarcRecord(value: string): ParsedDmarc {
  const { tags, order, errors } = parseTags(value);
  const out: ParsedDmarc = { ok: false, errors: [...errors], adkim: 'r', aspf: 'r', pct: 100, rua: [], ruf: [] };
  if (order[0] !== 'v' || tags.get('v') !== 'DMARC1') out.errors.push('the record must start with v=DMARC1');
  const p = tags.get('p')?.toLowerCase();
  if (p !== undefined) {
    if (POLICIES.includes(p)) out.p = p;
    else out.errors.push(`p=${p} is not none, quarantine or reject`);
  }
  const sp = tags.get('sp')?.toLowerCase();
  if (sp !== undefined) {
    if (POLICIES.includes(sp)) out.sp = sp;
    else out.errors.push(`sp=${sp} is not none, quarantine or reject`);
  }
  for (const k of ['adkim', 'aspf'] as const) {
    const v = tags.get(k)?.toLowerCase();
    if (v === undefined) continue;
    if (v === 'r' || v === 's') out[k] = v;
    else out.errors.push(`${k}=${v} is not r or s`);
  }
  const pct = tags.get('pct');
  if (pct !== undefined) {
    if (/^\d{1,3}$/.test(pct) && Number(pct) <= 100) out.pct = Number(pct);
    else out.errors.push(`pct=${pct} is not 0-100`);
  }
  for (const k of ['rua', 'ruf'] as const) {
    const v = tags.get(k);
    if (v === undefined) continue;
    for (const uri of v.split(',').map((u) => u.trim()).filter(Boolean)) {
      if (/^mailto:[^@\s]+@[^@\s!]+(![0-9]+[kmgt]?)?$/i.test(uri)) out[k].push(uri);
      else out.errors.push(`${k} entry "${uri}" is not a mailto: address`);
    }
  }
  out.ok = out.errors.length === 0 && (out.p !== undefined || out.rua.length > 0);
  if (out.p === undefined && out.rua.length === 0 && !out.errors.some((e) => e.startsWith('p='))) out.errors.push('no p= policy');
  return out;
}

/** Domains of rua/ruf addresses outside `domain` (these must authorise the reports). */
export function externalReportDomains(parsed: ParsedDmarc, domain: string): string[] {
  // Same rule as the plan uses for the records it asks for, so the two never disagree.
  const addresses = [...parsed.rua, ...parsed.ruf].map((uri) => uri.replace(/^mailto:/i, '').replace(/!.*$/, ''));
  return planReportDomains(normName(domain), addresses);
}

/** The single v=DMARC1 record of an answer, if exactly one. */
export function dmarcRecords(answer: LiveDns['dmarc']['txt']): string[] {
  return txtValues(answer).filter((v) => /^\s*v\s*=\s*DMARC1\s*(;|$)/i.test(v));
}

export function checkDmarc(plan: DnsPlan, live: Pick<LiveDns, 'dmarc'>): CheckResult[] {
  const domain = normName(plan.domain);
  const name = normName(live.dmarc.name);
  const title = 'DMARC policy';
  const planned = planLines(planRecord(plan, name, 'TXT'));
  const publish = planned.length > 0 ? planned.map((l) => `publish: ${l}`) : [`publish: ${zoneLine(name, 'TXT', 'v=DMARC1; p=reject; adkim=s; aspf=s', plan.ttl)}`];
  const answer = live.dmarc.txt;
  if (answer.kind === 'error') return [result('dmarc', 'DMARC', title, 'fail', describeMiss(name, 'TXT', answer), [lookupErrorFix(name)])];
  const records = dmarcRecords(answer);
  if (records.length === 0) {
    return [result('dmarc', 'DMARC', title, 'fail', `no DMARC record at ${name}: large mailbox providers require one from bulk and increasingly from all senders`, publish)];
  }
  if (records.length > 1) {
    return [result('dmarc', 'DMARC', title, 'fail', `${records.length} DMARC records at ${name}: receivers ignore them all (RFC 7489 §6.6.3)`, ['keep exactly one:', ...publish], { records })];
  }
  const record = records[0] ?? '';
  const parsed = parseDmarcRecord(record);
  const data = { record, ...parsed };
  if (!parsed.ok) return [result('dmarc', 'DMARC', title, 'fail', `"${record}": ${parsed.errors.join('; ')}`, publish, data)];

  const policy = parsed.p ?? 'none';
  const summary = `p=${policy}${parsed.sp ? ` sp=${parsed.sp}` : ''} adkim=${parsed.adkim} aspf=${parsed.aspf}${parsed.pct !== 100 ? ` pct=${parsed.pct}` : ''}${parsed.rua.length ? ` rua=${parsed.rua.join(',')}` : ''}`;
  const out: CheckResult[] = [];
  if (policy === 'none') {
    out.push(result('dmarc', 'DMARC', title, 'warn', `${summary}: monitoring only, receivers take no action on forged mail${parsed.p === undefined ? ' (p= missing, treated as none)' : ''}`, ['once reports show your mail passes, raise the policy:', ...publish], data));
  } else if (parsed.pct < 100) {
    out.push(result('dmarc', 'DMARC', title, 'warn', `${summary}: the policy applies to ${parsed.pct}% of failing mail only`, ['set pct=100 (or remove pct) once reports are clean'], data));
  } else {
    out.push(result('dmarc', 'DMARC', title, 'pass', summary, undefined, data));
  }

  for (const ra of live.dmarc.reportAuth) {
    const authName = normName(ra.name);
    const id = `dmarc.report:${ra.reportDomain}`;
    const t = `Report authorisation by ${ra.reportDomain}`;
    const ok = txtValues(ra.txt).some((v) => /^\s*v\s*=\s*DMARC1\s*(;|$)/i.test(v));
    if (ok) out.push(result(id, 'DMARC', t, 'pass', `${authName} authorises reports for ${domain}`));
    else
      out.push(
        result(id, 'DMARC', t, 'warn', `${ra.txt.kind === 'ok' ? `${authName} holds no v=DMARC1 record` : describeMiss(authName, 'TXT', ra.txt)}: receivers will not send ${domain}'s reports to ${ra.reportDomain}`, [
          `the owner of ${ra.reportDomain} must publish: ${zoneLine(authName, 'TXT', 'v=DMARC1;', ttlFor(plan, authName, 'TXT'))}`,
        ]),
      );
  }
  return out;
}
