// The live SMTP service: its greeting must name the primary hostname (receivers compare it with
// the PTR and HELO) and it must offer STARTTLS.
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, SmtpProbeResult } from '../types.js';
import { normName, result } from './common.js';

export function checkSmtp(plan: DnsPlan, probe: SmtpProbeResult): CheckResult[] {
  const want = normName(plan.primaryHostname);
  const where = `${probe.host.includes(':') ? `[${probe.host}]` : probe.host}:${probe.port}`;
  if (!probe.connected) {
    return [
      result('smtp.connect', 'SMTP', `SMTP at ${where}`, 'fail', `cannot connect: ${probe.error ?? 'unknown error'}`, [
        `check that port ${probe.port} is exposed and reachable from where the doctor runs (many networks block outgoing port 25)`,
      ]),
    ];
  }
  const out: CheckResult[] = [];
  if (probe.banner === undefined) {
    return [result('smtp.banner', 'SMTP', `SMTP banner at ${where}`, 'fail', `no greeting: ${probe.error ?? 'unknown error'}`, ['check that the front forwards the port to Mailu\'s SMTP service'])];
  }
  const first = probe.banner.split('\n')[0] ?? '';
  const host = normName(probe.bannerHost ?? '');
  if (!first.startsWith('220')) {
    out.push(result('smtp.banner', 'SMTP', `SMTP banner at ${where}`, 'fail', `"${first}": the server refuses connections`, ['check the SMTP service logs']));
  } else if (host === want) {
    out.push(result('smtp.banner', 'SMTP', `SMTP banner at ${where}`, 'pass', `"${first}"`));
  } else {
    out.push(result('smtp.banner', 'SMTP', `SMTP banner at ${where}`, 'fail', `"${first}" names ${host || 'no host'}, not ${want}`, [`set the first entry of HOSTNAMES to ${want} (Mailu greets with it), or make sure the port reaches Mailu and not another server`]));
  }
  if (probe.ehloLines === undefined) {
    if (first.startsWith('220')) out.push(result('smtp.starttls', 'SMTP', `STARTTLS at ${where}`, 'fail', `EHLO failed: ${probe.error ?? 'unknown error'}`));
  } else if (probe.starttls) {
    out.push(result('smtp.starttls', 'SMTP', `STARTTLS at ${where}`, 'pass', 'offered after EHLO'));
  } else {
    out.push(
      result('smtp.starttls', 'SMTP', `STARTTLS at ${where}`, 'fail', 'not offered after EHLO: mail arrives unencrypted and TLS-requiring senders refuse it', [
        'enable TLS (TLS_FLAVOR other than notls) with a certificate for the primary hostname, and check that no proxy strips STARTTLS',
      ]),
    );
  }
  return out;
}
