// Shared helpers for the DNS plan tests: configs derived from the embedded example, and record
// look-ups that fail with a readable message.
import assert from 'node:assert/strict';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig } from '../../src/validation/index.js';
import { configSchema, type MailuConfig, type MailuConfigInput } from '../../src/config/schema.js';
import type { DnsPlan, DnsRecord, RecordType } from '../../src/dns/types.js';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
const DISCRIMINATORS = ['mode', 'type', 'kind', 'source'];

/** Deep merge: objects merge, arrays and scalars replace, a changed union discriminator replaces the object. */
export function merge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  if (DISCRIMINATORS.some((k) => k in over && over[k] !== base[k])) return over;
  const out: Plain = { ...base };
  // An explicit undefined removes the key (to drop a field the example sets).
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete out[k];
    else out[k] = merge(base[k], v);
  }
  return out;
}

export type Overrides = Record<string, unknown>;

/** The example config with overrides, through full validation (what the CLI sees). */
export function cfg(over: Overrides = {}): MailuConfig {
  return parseConfig(merge(exampleConfig, over) as MailuConfigInput);
}

/** The example config with overrides, through the schema only: for configs that the DNS checks must refuse. */
export function rawCfg(over: Overrides = {}): MailuConfig {
  return configSchema.parse(merge(exampleConfig, over));
}

export function records(plan: DnsPlan, name: string, type: RecordType): DnsRecord[] {
  return plan.records.filter((r) => r.name === name && r.type === type);
}

/** The single record at name/type; fails listing what exists when absent or duplicated. */
export function rec(plan: DnsPlan, name: string, type: RecordType): DnsRecord {
  const found = records(plan, name, type);
  assert.equal(found.length, 1, `expected one ${type} at ${name}; plan has: ${plan.records.map((r) => `${r.name} ${r.type}`).join(', ')}`);
  return found[0]!;
}

export function noRecord(plan: DnsPlan, name: string, type: RecordType): void {
  assert.deepEqual(records(plan, name, type), [], `expected no ${type} at ${name}`);
}

/** Decodes the character-strings of TXT RDATA in master-file syntax (quotes, \X and \DDD escapes). */
export function decodeTxtRdata(rdata: string): { strings: string[]; value: string } {
  const strings: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (const m of rdata.matchAll(re)) {
    const bytes: number[] = [];
    const s = m[1]!;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '\\') {
        const ddd = /^\d{3}/.exec(s.slice(i + 1));
        if (ddd) {
          bytes.push(Number(ddd[0]));
          i += 3;
        } else {
          bytes.push(s.charCodeAt(i + 1));
          i += 1;
        }
      } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
    strings.push(Buffer.from(bytes).toString('utf8'));
  }
  return { strings, value: strings.join('') };
}

/** name|TYPE|data keys of the records a zone file should publish (static, in the domain's zone). */
export function expectedZoneKeys(plan: DnsPlan): string[] {
  const inZone = (n: string) => n === plan.domain || n.endsWith(`.${plan.domain}`);
  return plan.records
    .filter((r) => r.source === 'static' && r.type !== 'PTR' && inZone(r.name))
    .flatMap((r) => r.values.map((v) => key(r.name, r.type, v)))
    .sort();
}

/** A comparable key: lower-case absolute owner, type, data with single spaces and lower-case names. */
export function key(name: string, type: string, data: string): string {
  const owner = `${name.toLowerCase().replace(/\.$/, '')}.`;
  const norm = type === 'TXT' ? data : data.trim().split(/\s+/).join(' ').toLowerCase();
  return `${owner}|${type}|${norm}`;
}
