// Reverse DNS of every egress address: it must exist, resolve forward to the same address
// (FCrDNS), and name the HELO host; receivers reject or junk mail when any of the three is off.
// The MX host's IPv6 addresses get the same check: with mail leaving from the nodes (or nothing
// known about where it leaves), the front's node is where IPv6 mail comes from too.
import net from 'node:net';
import type { DnsPlan } from '../../dns/types.js';
import { canonicalIp } from '../resolver.js';
import type { CheckResult, LiveDns, PtrLive } from '../types.js';
import { describeMiss, normName, result, ttlFor, zoneLine } from './common.js';

export function checkPtr(plan: DnsPlan, live: Pick<LiveDns, 'ptr'>, egressIps: string[], relayHost?: string): CheckResult[] {
  if (egressIps.length === 0 && relayHost) {
    return [result('ptr', 'PTR', 'Reverse DNS of egress addresses', 'pass', `mail leaves through the relay ${relayHost}, whose operator maintains its reverse DNS`)];
  }
  if (egressIps.length === 0) {
    return [result('ptr', 'PTR', 'Reverse DNS of egress addresses', 'warn', 'no egress address known, so reverse DNS could not be checked', ['pass --egress-ip IP (repeatable) or set the egress address in the config'])];
  }
  return egressIps.map((ip) => judgePtr(plan, live.ptr, ip, `ptr:${ip}`, `PTR of ${ip}`));
}

/**
 * PTR and FCrDNS of the MX host's IPv6 addresses that are not egress addresses already. They fail
 * like a sender's while no egress address is known (mail then leaves from the front's node, as
 * with egress.mode nodeIps); when mail is known to leave elsewhere they only warn.
 */
export function checkHostPtr(plan: DnsPlan, live: Pick<LiveDns, 'hostPtr'>, egressIps: string[], relayHost?: string): CheckResult[] {
  const senders = new Set(egressIps.map(canonicalIp));
  const asSender = egressIps.length === 0 && !relayHost;
  const host = normName(plan.primaryHostname);
  const out: CheckResult[] = [];
  for (const entry of live.hostPtr ?? []) {
    if (senders.has(canonicalIp(entry.ip))) continue;
    const r = judgePtr(plan, live.hostPtr ?? [], entry.ip, `ptr.mx:${entry.ip}`, `PTR of ${host}'s IPv6 ${entry.ip}`);
    if (!asSender && r.status === 'fail') {
      r.status = 'warn';
      r.detail += ` (mail leaves from ${relayHost ? `the relay ${relayHost}` : egressIps.join(', ')}; receivers that check the MX host's reverse DNS still see it)`;
    }
    out.push(r);
  }
  return out;
}

function judgePtr(plan: DnsPlan, ptrs: PtrLive[], ip: string, id: string, title: string): CheckResult {
  const helo = normName(plan.primaryHostname);
  const entry = ptrs.find((p) => canonicalIp(p.ip) === canonicalIp(ip));
  const fwdType = net.isIPv6(ip) ? 'AAAA' : 'A';
  const setPtr = `at the provider that owns ${ip} (reverse DNS / rDNS setting), set: ${zoneLine(entry?.name ?? ip, 'PTR', `${helo}.`, plan.ttl)}`;
  if (!entry) return result(id, 'PTR', title, 'fail', 'not looked up');
  if (entry.ptr.kind !== 'ok') {
    const miss = describeMiss(entry.name, 'PTR', entry.ptr);
    const fix = entry.ptr.kind === 'error' ? [`the reverse zone of ${ip} did not answer; ask the provider that owns ${ip}`, setPtr] : [setPtr];
    return result(id, 'PTR', title, 'fail', `${miss}: most receivers reject mail from addresses without reverse DNS`, fix);
  }
  const names = entry.ptr.records.map(normName);

  // FCrDNS: some PTR name must resolve back to the address.
  const confirmed: string[] = [];
  const notes: string[] = [];
  for (const n of names) {
    const fwd = entry.forward[n];
    if (!fwd) continue;
    if (fwd.kind === 'ok') {
      if (fwd.records.map(canonicalIp).includes(canonicalIp(ip))) confirmed.push(n);
      else notes.push(`${n} → ${fwd.records.join(', ')}`);
    } else notes.push(describeMiss(n, fwdType, fwd));
  }
  // Mailu greets (HELO) with the primary hostname; the PTR should name the same host.
  const matchesHelo = names.includes(helo);
  const data = { ptr: names, forwardConfirmed: confirmed.length > 0, matchesHelo };

  const problems: string[] = [];
  const fix: string[] = [];
  let status: CheckResult['status'] = 'pass';
  if (confirmed.length === 0) {
    status = 'fail';
    problems.push(`not forward-confirmed (${notes.join('; ')}), receivers treat the sender as forged`);
    fix.push(
      matchesHelo
        ? `publish: ${zoneLine(helo, fwdType, ip, ttlFor(plan, helo, fwdType))} (only if ${ip} also accepts connections on the mail ports; otherwise send mail out through an address ${helo} already resolves to)`
        : setPtr,
    );
  }
  if (!matchesHelo) {
    status = 'fail';
    problems.push(`differs from the HELO name ${helo}, receivers flag the mismatch`);
    if (!fix.includes(setPtr)) fix.push(setPtr);
  }
  if (names.length > 1) {
    if (status === 'pass') status = 'warn';
    problems.push('several PTR records, receivers pick one at random');
    fix.push(setPtr.replace('set:', 'keep only:'));
  }
  const detail = problems.length === 0 ? `${names[0]} (forward-confirmed, = HELO name)` : `${names.join(', ')}: ${problems.join('; ')}`;
  return result(id, 'PTR', title, status, detail, fix, data);
}
