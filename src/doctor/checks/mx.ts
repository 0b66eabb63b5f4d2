// MX: the domain's mail must go to the primary hostname.
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, planLines, planRecord, result, zoneLine } from './common.js';

export function checkMx(plan: DnsPlan, live: Pick<LiveDns, 'mx'>): CheckResult[] {
  const domain = normName(plan.domain);
  const want = normName(plan.primaryHostname);
  const planned = planLines(planRecord(plan, domain, 'MX'));
  const publish = planned.length > 0 ? planned : [zoneLine(domain, 'MX', `10 ${want}.`, plan.ttl)];
  const title = `MX of ${domain}`;
  const answer = live.mx;

  if (answer.kind === 'error') return [result('mx', 'MX', title, 'fail', describeMiss(domain, 'MX', answer), [lookupErrorFix(domain)])];
  if (answer.kind !== 'ok') {
    return [result('mx', 'MX', title, 'fail', `${describeMiss(domain, 'MX', answer)}: senders fall back to the A record or give up`, publish.map((l) => `publish: ${l}`))];
  }

  const mx = [...answer.records].sort((a, b) => a.priority - b.priority);
  const shown = mx.map((m) => `${m.priority} ${m.exchange || '.'}`).join(', ');
  const data = { records: mx };
  if (mx.some((m) => normName(m.exchange) === '')) {
    return [result('mx', 'MX', title, 'fail', `null MX (${shown}): the domain declares it accepts no mail (RFC 7505)`, ['replace the null MX with:', ...publish.map((l) => `publish: ${l}`)], data)];
  }
  const hosts = mx.map((m) => normName(m.exchange));
  if (!hosts.includes(want)) {
    return [result('mx', 'MX', title, 'fail', `MX points at ${hosts.join(', ')}, not ${want}`, [`replace the MX records of ${domain} with:`, ...publish.map((l) => `publish: ${l}`)], data)];
  }
  const best = mx[0]?.priority ?? 0;
  const ours = mx.find((m) => normName(m.exchange) === want);
  const others = mx.filter((m) => normName(m.exchange) !== want);
  if (ours && ours.priority > best) {
    return [result('mx', 'MX', title, 'warn', `${shown}: ${want} is not the preferred MX, senders try ${others[0]?.exchange} first`, [`give ${want} the lowest preference value, e.g. ${publish[0] ?? ''}`], data)];
  }
  if (others.length > 0) {
    return [
      result(
        'mx',
        'MX',
        title,
        'warn',
        `${shown}: ${others.map((m) => m.exchange).join(', ')} also receive mail for ${domain}`,
        [`make sure ${others.map((m) => m.exchange).join(', ')} accept and relay mail for ${domain} to ${want}, or remove those MX records`],
        data,
      ),
    ];
  }
  return [result('mx', 'MX', title, 'pass', shown, undefined, data)];
}
