// RFC 6186 SRV records: clients auto-configure from them, so each must point at an enabled port
// on the primary hostname, and disabled services must not be advertised ("0 0 0 ." or absent).
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, result, zoneLine } from './common.js';

interface SrvValue {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

function parseSrv(value: string): SrvValue | undefined {
  const [prio, weight, port, target] = value.trim().split(/\s+/);
  if (target === undefined) return undefined;
  return { priority: Number(prio), weight: Number(weight), port: Number(port), target: normName(target) };
}

export function checkSrv(plan: DnsPlan, live: Pick<LiveDns, 'srv'>): CheckResult[] {
  const planned = plan.records.filter((r) => r.type === 'SRV' && r.values.length > 0);
  if (planned.length === 0) return [];
  const problems: CheckResult[] = [];
  const fine: string[] = [];
  const short = (n: string): string => n.replace(new RegExp(`\\.${normName(plan.domain).replace(/\./g, '\\.')}$`), '');
  for (const rec of planned) {
    const name = normName(rec.name);
    const want = parseSrv(rec.values[0] ?? '');
    if (!want) continue;
    const disabled = want.target === '' && want.port === 0;
    const publish = rec.values.map((v) => `publish: ${zoneLine(name, 'SRV', v, rec.ttl)}`);
    const answer = live.srv.find((s) => normName(s.name) === name)?.answer;
    const id = `srv:${name}`;
    if (!answer) continue;
    if (answer.kind === 'error') {
      problems.push(result(id, 'SRV', name, 'fail', describeMiss(name, 'SRV', answer), [lookupErrorFix(name)]));
      continue;
    }
    const got = answer.kind === 'ok' ? answer.records.map((r) => ({ ...r, name: normName(r.name) })) : [];
    const shown = got.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name || '.'}`).join(', ');
    const advertised = got.filter((r) => r.name !== '' && r.port !== 0);
    if (disabled) {
      if (advertised.length === 0) fine.push(`${short(name)} off`);
      else
        problems.push(
          result(id, 'SRV', name, 'fail', `${shown}: advertises port ${advertised.map((r) => r.port).join(', ')} although the service is not enabled; clients try a closed port`, [
            `replace with "service not available": ${publish[0]?.replace(/^publish: /, '') ?? ''}`,
          ]),
        );
      continue;
    }
    if (got.length === 0) {
      problems.push(result(id, 'SRV', name, 'warn', `${describeMiss(name, 'SRV', answer.kind === 'ok' ? { kind: 'nodata' } : answer)}: mail clients cannot auto-configure port ${want.port}`, publish));
      continue;
    }
    if (advertised.some((r) => r.port === want.port && r.name === want.target)) {
      fine.push(`${short(name)} ${want.port}`);
      continue;
    }
    const why = advertised.length === 0 ? `says the service is not available, but port ${want.port} is enabled` : `points at ${advertised.map((r) => `${r.name}:${r.port}`).join(', ')}, expected ${want.target}:${want.port}`;
    problems.push(result(id, 'SRV', name, 'fail', `${shown}: ${why}`, publish));
  }
  if (problems.length > 0) return problems;
  return [result('srv', 'SRV', 'Client SRV records (RFC 6186)', 'pass', `${fine.length} match the enabled ports: ${fine.join(', ')}`)];
}
