// A/AAAA of the primary hostname: what senders connect to must be the front's public address.
import net from 'node:net';
import type { DnsPlan } from '../../dns/types.js';
import { canonicalIp } from '../resolver.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, planRecord, result, ttlFor, zoneLine } from './common.js';

export function checkAddresses(plan: DnsPlan, live: Pick<LiveDns, 'host'>, expected: string[]): CheckResult[] {
  const host = normName(plan.primaryHostname);
  const title = `Address of ${host}`;
  const { a, aaaa, cname } = live.host;
  const out: CheckResult[] = [];

  for (const [type, ans] of [['A', a], ['AAAA', aaaa]] as const) {
    if (ans.kind === 'error') out.push(result(`address.${type.toLowerCase()}`, 'Address', title, 'fail', describeMiss(host, type, ans), [lookupErrorFix(host)]));
  }
  if (out.length > 0) return out;

  const live4 = a.kind === 'ok' ? a.records.map(canonicalIp) : [];
  const live6 = aaaa.kind === 'ok' ? aaaa.records.map(canonicalIp) : [];
  const want = [...new Set(expected.map(canonicalIp))];
  const want4 = want.filter((ip) => net.isIPv4(ip));
  const want6 = want.filter((ip) => net.isIPv6(ip));
  const found = [...live4, ...live6];
  const data = { live: found, expected: want };
  const publishFor = (ips: string[]): string[] => ips.map((ip) => `publish: ${zoneLine(host, net.isIPv4(ip) ? 'A' : 'AAAA', ip, ttlFor(plan, host, net.isIPv4(ip) ? 'A' : 'AAAA'))}`);

  if (cname.kind === 'ok') {
    out.push(
      result('address.cname', 'Address', `${host} is not an alias`, 'warn', `${host} is a CNAME for ${cname.records.join(', ')}: an MX target must not be an alias (RFC 2181 §10.3), some senders refuse it`, [
        `replace the CNAME with A/AAAA records for ${host}`,
      ]),
    );
  }

  out.push(...operatorAaaa(plan, host, live6, live4));
  if (found.length === 0) {
    const fix = want.length > 0 ? publishFor(want) : [`publish A (and AAAA if reachable over IPv6) records for ${host} pointing at the front's public address`];
    out.push(result('address', 'Address', title, 'fail', `${host} has no A or AAAA record: senders cannot reach the MX`, fix, data));
    return out;
  }
  if (want.length === 0) {
    out.push(result('address', 'Address', title, 'pass', `${host} → ${found.join(', ')} (no expected address known; --expect-ip compares)`, undefined, data));
    return out;
  }

  const problems: string[] = [];
  const fix: string[] = [];
  let status: CheckResult['status'] = 'pass';
  for (const [fam, liveSet, wantSet, type] of [
    ['IPv4', live4, want4, 'A'],
    ['IPv6', live6, want6, 'AAAA'],
  ] as const) {
    if (wantSet.length === 0) {
      if (liveSet.length > 0) {
        status = status === 'fail' ? 'fail' : 'warn';
        problems.push(`unexpected ${type} ${liveSet.join(', ')}`);
        fix.push(`if the front is not reachable over ${fam} at ${liveSet.join(', ')}, delete the ${type} record(s) of ${host}; otherwise pass it with --expect-ip`);
      }
      continue;
    }
    const missing = wantSet.filter((ip) => !liveSet.includes(ip));
    const extra = liveSet.filter((ip) => !wantSet.includes(ip));
    if (missing.length > 0 || extra.length > 0) {
      status = 'fail';
      if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
      if (extra.length > 0) problems.push(`unexpected ${extra.join(', ')}`);
      fix.push(`set the ${type} records of ${host} to exactly:`, ...publishFor(wantSet));
    }
  }
  const detail = `${host} → ${found.join(', ')}${problems.length > 0 ? ` (expected ${want.join(', ')}: ${problems.join('; ')})` : ''}`;
  out.push(result('address', 'Address', title, status, detail, fix, data));
  return out;
}

/**
 * On a dual-stack cluster the operator publishes the AAAA next to the A: an A without it means the
 * front's node reports no public IPv6 of the type read, so IPv6 senders cannot reach the MX.
 */
function operatorAaaa(plan: DnsPlan, host: string, live6: string[], live4: string[]): CheckResult[] {
  if (planRecord(plan, host, 'AAAA')?.source !== 'operator' || live6.length > 0 || live4.length === 0) return [];
  return [
    result('address.aaaa', 'Address', `AAAA of ${host}`, 'warn', `${host} has an A record (${live4.join(', ')}) but no AAAA, although the cluster is dual-stack: IPv6-only senders cannot reach the MX`, [
      `check that the node running front reports a public IPv6 address (kubectl get node NODE -o jsonpath='{.status.addresses}'); if it lists it only as InternalIP, set dns.operator.nodeAddressType.ipv6: InternalIP`,
      `the operator's NodeWithoutExternalIP and NodeAddressNotPublic Events on the DNSEndpoint name the node and the address it skipped`,
    ]),
  ];
}
