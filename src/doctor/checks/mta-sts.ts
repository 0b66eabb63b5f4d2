// MTA-STS (RFC 8461): when the deployment serves a policy, _mta-sts.<domain> must announce it
// with a valid id and the policy host must resolve; a record without a served policy misleads.
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, parseTags, planRecord, result, txtValues, zoneLine } from './common.js';

export function parseStsRecord(value: string): { ok: boolean; id?: string; error?: string } {
  const { tags, order, errors } = parseTags(value);
  if (order[0] !== 'v' || tags.get('v') !== 'STSv1') return { ok: false, error: 'must start with v=STSv1' };
  const id = tags.get('id');
  if (id === undefined) return { ok: false, error: 'no id= tag' };
  if (!/^[A-Za-z0-9]{1,32}$/.test(id)) return { ok: false, error: `id=${id} must be 1-32 letters or digits` };
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  return { ok: true, id };
}

export function checkMtaSts(plan: DnsPlan, live: Pick<LiveDns, 'mtaSts'>): CheckResult[] {
  const name = normName(live.mtaSts.name);
  const planned = planRecord(plan, name, 'TXT');
  const plannedValue = planned?.values[0];
  const title = 'MTA-STS record';
  const answer = live.mtaSts.txt;
  if (answer.kind === 'error') return [result('mta-sts', 'MTA-STS', title, 'fail', describeMiss(name, 'TXT', answer), [lookupErrorFix(name)])];
  const records = txtValues(answer).filter((v) => /^\s*v\s*=\s*STSv1/i.test(v));
  const publish = plannedValue ? [`publish: ${zoneLine(name, 'TXT', plannedValue, planned?.ttl ?? plan.ttl)}`] : [];

  if (!planned) {
    if (records.length === 0) return [result('mta-sts', 'MTA-STS', title, 'pass', 'not used by this deployment and not published')];
    return [
      result('mta-sts', 'MTA-STS', title, 'warn', `${name} announces a policy, but this deployment serves none at https://mta-sts.${normName(plan.domain)}/.well-known/mta-sts.txt`, [
        `delete the TXT record at ${name}, or enable MTA-STS in the config`,
      ]),
    ];
  }
  if (records.length === 0) {
    return [result('mta-sts', 'MTA-STS', title, 'warn', `${answer.kind === 'ok' ? `${name} has no v=STSv1 record` : describeMiss(name, 'TXT', answer)}: senders will not enforce TLS towards ${plan.primaryHostname}`, publish)];
  }
  if (records.length > 1) return [result('mta-sts', 'MTA-STS', title, 'fail', `${records.length} v=STSv1 records at ${name}: senders ignore MTA-STS (RFC 8461 §3.1)`, ['keep exactly one:', ...publish])];
  const parsed = parseStsRecord(records[0] ?? '');
  const out: CheckResult[] = [];
  if (!parsed.ok) out.push(result('mta-sts', 'MTA-STS', title, 'fail', `"${records[0]}": ${parsed.error}`, publish));
  else {
    const plannedId = plannedValue ? parseStsRecord(plannedValue).id : undefined;
    if (plannedId && plannedId !== parsed.id) out.push(result('mta-sts', 'MTA-STS', title, 'warn', `id=${parsed.id}, the served policy has id=${plannedId}: senders keep a cached old policy`, publish));
    else out.push(result('mta-sts', 'MTA-STS', title, 'pass', `"${records[0]}"`));
  }
  const ph = live.mtaSts.policyHost;
  const resolves = ph.a.kind === 'ok' || ph.aaaa.kind === 'ok';
  if (resolves) out.push(result('mta-sts.host', 'MTA-STS', 'MTA-STS policy host', 'pass', `${normName(ph.name)} resolves`));
  else {
    const hostPlan = planRecord(plan, ph.name, 'CNAME') ?? planRecord(plan, ph.name, 'A');
    const fix = hostPlan && hostPlan.values.length > 0 ? hostPlan.values.map((v) => `publish: ${zoneLine(hostPlan.name, hostPlan.type, v, hostPlan.ttl)}`) : [`publish: ${zoneLine(ph.name, 'CNAME', `${normName(plan.primaryHostname)}.`, plan.ttl)}`];
    out.push(result('mta-sts.host', 'MTA-STS', 'MTA-STS policy host', 'fail', `${describeMiss(normName(ph.name), 'A', ph.a.kind === 'ok' ? { kind: 'nodata' } : ph.a)}: senders cannot fetch the policy`, fix));
  }
  return out;
}
