// DKIM: the selector's TXT record must exist and carry a public key receivers can load.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { DnsPlan } from '../../dns/types.js';
import type { CheckResult, LiveDns } from '../types.js';
import { describeMiss, lookupErrorFix, normName, parseTags, planLines, planRecord, result, txtValues } from './common.js';

export interface ParsedDkimKey {
  ok: boolean;
  error?: string;
  keyType?: string;
  bits?: number;
  testing?: boolean;
}

/** Parses a DKIM key record (RFC 6376 §3.6.1; ed25519 per RFC 8463). */
export function parseDkimRecord(value: string): ParsedDkimKey {
  const { tags, order, errors } = parseTags(value);
  if (errors.length > 0) return { ok: false, error: errors.join('; ') };
  const v = tags.get('v');
  if (v !== undefined && (v !== 'DKIM1' || order[0] !== 'v')) return { ok: false, error: `v=${v}: must be "DKIM1" and the first tag` };
  const k = (tags.get('k') ?? 'rsa').toLowerCase();
  if (!tags.has('p')) return { ok: false, error: 'no p= tag (public key)' };
  const p = (tags.get('p') ?? '').replace(/\s+/g, '');
  if (p === '') return { ok: false, error: 'p= is empty: the key is revoked' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p)) return { ok: false, error: 'p= is not valid base64' };
  const der = Buffer.from(p, 'base64');
  const testing = (tags.get('t') ?? '').split(':').map((f) => f.trim()).includes('y');
  let key: KeyObject;
  try {
    if (k === 'ed25519') {
      if (der.length !== 32) return { ok: false, error: `k=ed25519 but p= holds ${der.length} bytes, not 32` };
      // Wrap the raw key in SubjectPublicKeyInfo so node can load it.
      key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), der]), format: 'der', type: 'spki' });
    } else if (k === 'rsa') {
      try {
        key = createPublicKey({ key: der, format: 'der', type: 'spki' });
      } catch {
        key = createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
      }
    } else {
      return { ok: false, error: `unknown key type k=${k}` };
    }
  } catch (err) {
    return { ok: false, error: `p= does not hold a ${k} public key (${err instanceof Error ? err.message : String(err)})` };
  }
  if (key.asymmetricKeyType !== k) return { ok: false, error: `k=${k} but the key is ${key.asymmetricKeyType}` };
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return { ok: true, keyType: k, ...(bits !== undefined ? { bits } : {}), testing };
}

export function checkDkim(plan: DnsPlan, live: Pick<LiveDns, 'dkim'>): CheckResult[] {
  const name = normName(live.dkim.name);
  const title = `DKIM key (selector ${plan.dkimSelector})`;
  const planned = planLines(planRecord(plan, name, 'TXT'));
  const howTo = planned.length > 0 ? planned.map((l) => `publish: ${l}`) : [`in Mailu's admin, open Mail domains → ${plan.domain} → Details, click "Generate keys" if needed, and publish the DKIM TXT record shown there at ${name}`];
  const answer = live.dkim.txt;
  if (answer.kind === 'error') return [result('dkim', 'DKIM', title, 'fail', describeMiss(name, 'TXT', answer), [lookupErrorFix(name)])];
  // Every TXT record at the selector's name is taken as a key record: nothing else belongs there.
  const values = txtValues(answer);
  if (values.length === 0) {
    return [result('dkim', 'DKIM', title, 'fail', `${answer.kind === 'ok' ? `${name} has no DKIM key record` : describeMiss(name, 'TXT', answer)}: signatures cannot be verified, DMARC relies on SPF alone`, howTo)];
  }
  if (values.length > 1) {
    return [result('dkim', 'DKIM', title, 'fail', `${values.length} key records at ${name}: receivers pick one, verification fails at random`, ['keep only the record matching the key in Mailu\'s admin', ...howTo])];
  }
  const parsed = parseDkimRecord(values[0] ?? '');
  const data = { ...parsed };
  if (!parsed.ok) return [result('dkim', 'DKIM', title, 'fail', `malformed: ${parsed.error}`, ['republish the record exactly as Mailu\'s admin shows it (all character-strings, no extra spaces or quotes)', ...howTo], data)];
  const desc = `${parsed.keyType}${parsed.bits ? ` ${parsed.bits} bits` : ''}`;
  if (parsed.keyType === 'rsa' && (parsed.bits ?? 0) < 1024) return [result('dkim', 'DKIM', title, 'fail', `${desc}: receivers ignore RSA keys under 1024 bits`, ['generate a 2048-bit key in Mailu\'s admin and publish it'], data)];
  if (parsed.keyType === 'rsa' && (parsed.bits ?? 0) < 2048) return [result('dkim', 'DKIM', title, 'warn', `${desc}: 2048 bits is the current recommendation`, ['generate a 2048-bit key in Mailu\'s admin and publish it'], data)];
  if (parsed.testing) return [result('dkim', 'DKIM', title, 'warn', `${desc}, t=y (testing): receivers may ignore failures`, ['remove t=y once signing works'], data)];
  return [result('dkim', 'DKIM', title, 'pass', desc, undefined, data)];
}
