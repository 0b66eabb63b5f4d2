// Real zone parsers for the zone-file tests: dns-zonefile (always installed) and BIND's
// named-checkzone / named-compilezone (optional; tests skip visibly without them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zonefileNs from 'dns-zonefile';
import { decodeTxtRdata, key } from './helpers.js';

// The package's typings declare named exports, but the module only has a default export.
const zonefile = (zonefileNs as unknown as { default: typeof zonefileNs }).default;

export const bindAvailable: boolean = spawnSync('named-checkzone', ['-v'], { encoding: 'utf8' }).status === 0;
export const BIND_MISSING = 'named-checkzone/named-compilezone (Debian package bind9-utils) not on PATH';

/** Keys (see helpers.key) of the records dns-zonefile finds, plus the directives it saw. */
export function parseWithDnsZonefile(text: string): { origin?: string; ttl?: string; keys: string[] } {
  const z = zonefile.parse(text);
  const keys: string[] = [];
  for (const r of z.mx ?? []) keys.push(key(r.name, 'MX', `${r.preference} ${r.host}`));
  for (const r of z.a ?? []) keys.push(key(r.name, 'A', r.ip));
  for (const r of z.aaaa ?? []) keys.push(key(r.name, 'AAAA', r.ip));
  for (const r of z.cname ?? []) keys.push(key(r.name, 'CNAME', r.alias));
  for (const r of z.srv ?? []) keys.push(key(r.name, 'SRV', `${r.priority} ${r.weight} ${r.port} ${r.target}`));
  for (const r of z.ptr ?? []) keys.push(key(r.name, 'PTR', r.host));
  for (const r of z.txt ?? []) keys.push(key(r.name, 'TXT', decodeTxtRdata(r.txt).value));
  const out: { origin?: string; ttl?: string; keys: string[] } = { keys: keys.sort() };
  if (z.$origin !== undefined) out.origin = z.$origin;
  if (z.$ttl !== undefined) out.ttl = String(z.$ttl);
  return out;
}

/** Adds the SOA and NS a loadable zone needs (a DNS provider's zone has its own). */
export function withApex(origin: string, text: string): string {
  return `${text}\n$ORIGIN ${origin}.\n@ 600 IN SOA ns1.nameserver.test. hostmaster.nameserver.test. 1 7200 3600 1209600 600\n@ 600 IN NS ns1.nameserver.test.\n`;
}

function withFile<T>(text: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-dns-zone-'));
  try {
    const path = join(dir, 'zone');
    writeFileSync(path, text);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * named-checkzone with strict options: check-names, MX/SRV pointing at CNAMEs, and (integrity
 * 'local') in-zone MX/SRV targets without addresses are errors. Never queries the network.
 */
export function checkZone(origin: string, text: string, integrity: 'local' | 'none' = 'local'): { ok: boolean; output: string } {
  return withFile(withApex(origin, text), (path) => {
    const res = spawnSync('named-checkzone', ['-i', integrity, '-k', 'fail', '-M', 'fail', '-S', 'fail', '-r', 'fail', origin, path], { encoding: 'utf8', timeout: 10_000 });
    return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
  });
}

export interface CompiledRecord {
  name: string;
  ttl: number;
  type: string;
  rdata: string;
}

/** The zone as BIND reads it (canonical text from named-compilezone), without the added SOA/NS. */
export function compileZone(origin: string, text: string): CompiledRecord[] {
  return withFile(withApex(origin, text), (path) => {
    const res = spawnSync('named-compilezone', ['-q', '-i', 'none', '-s', 'full', '-f', 'text', '-F', 'text', '-o', '-', origin, path], { encoding: 'utf8', timeout: 10_000 });
    if (res.status !== 0) throw new Error(`named-compilezone failed: ${res.stdout}${res.stderr}`);
    return res.stdout
      .split('\n')
      .map((l) => /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, ttl: Number(m[2]), type: m[3]!, rdata: m[4]!.trim() }))
      .filter((r) => r.type !== 'SOA' && !(r.type === 'NS' && r.name === `${origin}.`));
  });
}

export function compiledKeys(recs: CompiledRecord[]): string[] {
  return recs.map((r) => key(r.name, r.type, r.type === 'TXT' ? decodeTxtRdata(r.rdata).value : r.rdata)).sort();
}
