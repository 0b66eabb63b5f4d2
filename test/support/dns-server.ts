// An in-process authoritative DNS server for tests: serves zones given as data on 127.0.0.1 or ::1,
// UDP and TCP on the same port (c-ares retries over TCP on the same port when an answer is
// truncated), NXDOMAIN vs NODATA (empty non-terminals included), CNAME chasing within the
// served zones, and switchable failure modes so tests can simulate a resolver that is down.
// The wire format is written by hand (RFC 1035) so the server's behaviour is fully ours.
import dgram from 'node:dgram';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export type TestRecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'CNAME' | 'SRV' | 'PTR' | 'NS';

export interface TestRecord {
  /** Owner name, absolute, with or without the trailing dot. */
  name: string;
  type: TestRecordType;
  /**
   * Presentation data. A/AAAA: address. MX: "10 mail.example.com.". SRV: "0 1 993 host.".
   * CNAME/PTR/NS: a name. TXT: one string (split into 255-byte character-strings) or the
   * character-strings as an array.
   */
  value: string | string[];
  ttl?: number;
}

export interface TestZone {
  origin: string;
  records: TestRecord[];
}

/** How the server reacts to queries. */
export type ServerMode = 'answer' | 'drop' | 'servfail' | 'refused';

export interface NameRule {
  name: string;
  type?: TestRecordType;
  action: Exclude<ServerMode, 'answer'>;
}

export interface StartOptions {
  zones: TestZone[];
  /** Per-name failures, e.g. SERVFAIL for one name only. */
  rules?: NameRule[];
  /** Artificial delay before each answer (simulated round trip). */
  delayMs?: number;
  /** The server closes itself after this long (tests must not leak listeners). Default 120 s. */
  lifetimeMs?: number;
  /** Loopback address to listen on: 127.0.0.1 (default) or ::1, for resolvers reached over IPv6. */
  host?: '127.0.0.1' | '::1';
}

export interface QueryLogEntry {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface DnsTestServer {
  readonly address: string;
  readonly port: number;
  /** "127.0.0.1:PORT" or "[::1]:PORT", the form --resolver takes. */
  readonly server: string;
  readonly queries: QueryLogEntry[];
  setMode(mode: ServerMode): void;
  setZones(zones: TestZone[]): void;
  close(): Promise<void>;
}

const TYPE_CODES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41 };
const CODE_TYPES = Object.fromEntries(Object.entries(TYPE_CODES).map(([k, v]) => [v, k])) as Record<number, string>;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const norm = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** The reverse-lookup owner name of an address (in-addr.arpa / ip6.arpa), without trailing dot. */
export function reverseNameOf(ip: string): string {
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return `${addr.toByteArray().reverse().join('.')}.in-addr.arpa`;
  const nibbles = addr
    .toByteArray()
    .flatMap((b) => [b >> 4, b & 15])
    .map((n) => n.toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

// ---- wire encoding -------------------------------------------------------------------------

function encodeName(name: string): Buffer {
  const labels = norm(name) === '' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const b = Buffer.from(label, 'utf8');
    if (b.length === 0 || b.length > 63) throw new Error(`bad DNS label "${label}" in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function splitTxt(value: string | string[]): Buffer[] {
  const strings = Array.isArray(value) ? value.map((s) => Buffer.from(s, 'utf8')) : chunk(Buffer.from(value, 'utf8'));
  return strings.map((s) => {
    if (s.length > 255) throw new Error('TXT character-string longer than 255 bytes');
    return Buffer.concat([Buffer.from([s.length]), s]);
  });
}
function chunk(b: Buffer): Buffer[] {
  if (b.length === 0) return [b];
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  return out;
}

function rdata(rec: TestRecord): Buffer {
  const v = Array.isArray(rec.value) ? rec.value.join('') : rec.value;
  switch (rec.type) {
    case 'A':
    case 'AAAA': {
      const addr = ipaddr.parse(v);
      if ((rec.type === 'A') !== (addr.kind() === 'ipv4')) throw new Error(`${rec.type} record ${rec.name} has address ${v}`);
      return Buffer.from(addr.toByteArray());
    }
    case 'MX': {
      const [pref, host] = v.trim().split(/\s+/);
      return Buffer.concat([u16(Number(pref)), encodeName(host ?? '.')]);
    }
    case 'SRV': {
      const [prio, weight, port, target] = v.trim().split(/\s+/);
      return Buffer.concat([u16(Number(prio)), u16(Number(weight)), u16(Number(port)), encodeName(target ?? '.')]);
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return encodeName(v);
    case 'TXT':
      return Buffer.concat(splitTxt(rec.value));
  }
}

function encodeRR(owner: string, type: number, ttl: number, data: Buffer): Buffer {
  return Buffer.concat([encodeName(owner), u16(type), u16(1), u32(ttl), u16(data.length), data]);
}

interface Query {
  id: number;
  flags: number;
  name: string;
  qtype: number;
  question: Buffer;
  ednsSize?: number;
}

function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let off = start;
  for (let guard = 0; guard < 128; guard++) {
    const len = buf[off];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return { name: labels.join('.'), end: off + 1 };
    if ((len & 0xc0) !== 0) throw new Error('compression in a question is not expected');
    labels.push(buf.toString('utf8', off + 1, off + 1 + len));
    off += 1 + len;
  }
  throw new Error('name too long');
}

function parseQuery(buf: Buffer): Query | undefined {
  if (buf.length < 12) return undefined;
  const qd = buf.readUInt16BE(4);
  if (qd !== 1) return undefined;
  const { name, end } = readName(buf, 12);
  const qtype = buf.readUInt16BE(end);
  const question = buf.subarray(12, end + 4);
  let ednsSize: number | undefined;
  const ar = buf.readUInt16BE(10);
  // An OPT record right after the question announces the client's UDP payload size.
  if (ar > 0 && buf[end + 4] === 0 && buf.length >= end + 4 + 11 && buf.readUInt16BE(end + 5) === TYPE_CODES.OPT) {
    ednsSize = buf.readUInt16BE(end + 7);
  }
  return { id: buf.readUInt16BE(0), flags: buf.readUInt16BE(2), name, qtype, question, ednsSize };
}

// ---- zone lookup ---------------------------------------------------------------------------

interface Answer {
  rcode: number;
  answers: Buffer[];
  authority: Buffer[];
}

class ZoneSet {
  private readonly byName = new Map<string, TestRecord[]>();
  private readonly existing = new Set<string>();
  private readonly origins: string[];

  constructor(zones: TestZone[]) {
    this.origins = zones.map((z) => norm(z.origin));
    for (const z of zones) {
      for (const r of z.records) {
        const n = norm(r.name);
        if (!this.zoneOf(n)) throw new Error(`record ${r.name} is outside the served zones`);
        rdata(r); // validate now so a broken fixture fails at start, not mid-query
        const list = this.byName.get(n) ?? [];
        list.push(r);
        this.byName.set(n, list);
        // every ancestor up to the origin exists (empty non-terminals answer NODATA)
        const labels = n.split('.');
        for (let i = 0; i < labels.length; i++) this.existing.add(labels.slice(i).join('.'));
      }
    }
    for (const o of this.origins) this.existing.add(o);
  }

  zoneOf(name: string): string | undefined {
    return this.origins
      .filter((o) => name === o || name.endsWith(`.${o}`))
      .sort((a, b) => b.length - a.length)[0];
  }

  soa(origin: string): Buffer {
    const data = Buffer.concat([encodeName(`ns.${origin}`), encodeName(`hostmaster.${origin}`), u32(1), u32(3600), u32(600), u32(86400), u32(60)]);
    return encodeRR(origin, TYPE_CODES.SOA, 60, data);
  }

  lookup(qname: string, qtype: number): Answer {
    const answers: Buffer[] = [];
    let name = norm(qname);
    for (let depth = 0; depth < 8; depth++) {
      const origin = this.zoneOf(name);
      if (!origin) return { rcode: answers.length ? RCODE.NOERROR : RCODE.REFUSED, answers, authority: [] };
      const recs = this.byName.get(name) ?? [];
      const cname = recs.find((r) => r.type === 'CNAME');
      if (cname && qtype !== TYPE_CODES.CNAME) {
        answers.push(encodeRR(name, TYPE_CODES.CNAME, cname.ttl ?? 300, rdata(cname)));
        name = norm(Array.isArray(cname.value) ? cname.value.join('') : cname.value);
        continue;
      }
      if (qtype === TYPE_CODES.SOA && name === origin) return { rcode: RCODE.NOERROR, answers: [...answers, this.soa(origin)], authority: [] };
      const matching = recs.filter((r) => TYPE_CODES[r.type] === qtype);
      for (const r of matching) answers.push(encodeRR(name, qtype, r.ttl ?? 300, rdata(r)));
      if (answers.length > 0) return { rcode: RCODE.NOERROR, answers, authority: [] };
      return { rcode: this.existing.has(name) ? RCODE.NOERROR : RCODE.NXDOMAIN, answers, authority: [this.soa(origin)] };
    }
    return { rcode: RCODE.SERVFAIL, answers: [], authority: [] };
  }
}

function buildResponse(q: Query, a: Answer, maxSize: number | undefined): Buffer {
  const opcode = (q.flags >> 11) & 0xf;
  const rd = (q.flags >> 8) & 1;
  const flags = (rcode: number, tc: number): number => 0x8000 | (opcode << 11) | 0x0400 | (tc << 9) | (rd << 8) | rcode;
  const opt = q.ednsSize !== undefined ? [Buffer.concat([Buffer.from([0]), u16(TYPE_CODES.OPT), u16(1232), u32(0), u16(0)])] : [];
  const header = (rcode: number, tc: number, an: number, ns: number): Buffer =>
    Buffer.concat([u16(q.id), u16(flags(rcode, tc)), u16(1), u16(an), u16(ns), u16(opt.length)]);
  const full = Buffer.concat([header(a.rcode, 0, a.answers.length, a.authority.length), q.question, ...a.answers, ...a.authority, ...opt]);
  if (maxSize !== undefined && full.length > maxSize) {
    return Buffer.concat([header(a.rcode, 1, 0, 0), q.question, ...opt]);
  }
  return full;
}

function errorResponse(q: Query, rcode: number): Buffer {
  return buildResponse(q, { rcode, answers: [], authority: [] }, undefined);
}

// ---- server --------------------------------------------------------------------------------

async function bindBoth(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket({ type: host === '::1' ? 'udp6' : 'udp4', ipv6Only: host === '::1' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen({ port, host, ipv6Only: host === '::1' }, () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    udp.close();
  }
  throw new Error(`could not find a port free for both UDP and TCP on ${host}`);
}

export async function startDnsServer(opts: StartOptions): Promise<DnsTestServer> {
  let zones = new ZoneSet(opts.zones);
  let mode: ServerMode = 'answer';
  const queries: QueryLogEntry[] = [];
  const host = opts.host ?? '127.0.0.1';
  const { udp, tcp, port } = await bindBoth(host);
  const sockets = new Set<net.Socket>();
  let closed = false;

  const respond = (buf: Buffer, transport: 'udp' | 'tcp', send: (b: Buffer) => void): void => {
    let q: Query | undefined;
    try {
      q = parseQuery(buf);
    } catch {
      q = undefined;
    }
    if (!q) return;
    const typeName = CODE_TYPES[q.qtype] ?? String(q.qtype);
    queries.push({ name: norm(q.name), type: typeName, transport });
    const rule = opts.rules?.find((r) => norm(r.name) === norm(q.name) && (!r.type || r.type === typeName));
    const action: ServerMode = rule?.action ?? mode;
    let out: Buffer | undefined;
    if (action === 'drop') return;
    if (action === 'servfail') out = errorResponse(q, RCODE.SERVFAIL);
    else if (action === 'refused') out = errorResponse(q, RCODE.REFUSED);
    else if (((q.flags >> 11) & 0xf) !== 0) out = errorResponse(q, RCODE.NOTIMP);
    else {
      const maxUdp = transport === 'udp' ? Math.min(Math.max(q.ednsSize ?? 512, 512), 1232) : undefined;
      out = buildResponse(q, zones.lookup(q.name, q.qtype), maxUdp);
    }
    const reply = out;
    if (opts.delayMs) setTimeout(() => !closed && send(reply), opts.delayMs).unref();
    else send(reply);
  };

  udp.on('message', (msg, rinfo) => {
    respond(msg, 'udp', (b) => udp.send(b, rinfo.port, rinfo.address));
  });
  tcp.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(10_000, () => sock.destroy());
    let pending = Buffer.alloc(0);
    sock.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        respond(msg, 'tcp', (b) => !sock.destroyed && sock.write(Buffer.concat([u16(b.length), b])));
      }
    });
  });
  udp.unref();
  tcp.unref();

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
  };
  const lifetime = setTimeout(() => void close(), opts.lifetimeMs ?? 120_000);
  lifetime.unref();

  return {
    address: host,
    port,
    server: host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`,
    queries,
    setMode: (m) => {
      mode = m;
    },
    setZones: (z) => {
      zones = new ZoneSet(z);
    },
    close,
  };
}

// ---- dnsmasq-backed variant -----------------------------------------------------------------
// The same zones served by a real, independent DNS implementation (Debian's dnsmasq-base), for
// fidelity tests. Callers skip visibly when `dnsmasqPath()` finds no binary.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promises as dnsPromises } from 'node:dns';
import os from 'node:os';

export function dnsmasqPath(): string | undefined {
  return ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq', '/usr/local/sbin/dnsmasq'].find((p) => existsSync(p));
}

/** dnsmasq options serving `zones`. dnsmasq's host records also create the matching PTRs. */
export function dnsmasqArgs(zones: TestZone[], port: number): string[] {
  const args = ['--keep-in-foreground', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--pid-file=', '--log-facility=/dev/null'];
  if (process.getuid?.() === 0) args.push('--user=root');
  const addrs = new Map<string, string[]>();
  const value = (r: TestRecord): string => (Array.isArray(r.value) ? r.value.join('') : r.value);
  for (const z of zones) {
    args.push(`--local=/${norm(z.origin)}/`);
    for (const r of z.records) {
      const name = norm(r.name);
      switch (r.type) {
        case 'A':
        case 'AAAA':
          addrs.set(name, [...(addrs.get(name) ?? []), value(r)]);
          break;
        case 'MX': {
          const [pref, host] = value(r).trim().split(/\s+/);
          args.push(`--mx-host=${name},${norm(host ?? '')},${pref}`);
          break;
        }
        case 'TXT': {
          const strings = Array.isArray(r.value) ? r.value : chunk(Buffer.from(r.value, 'utf8')).map((b) => b.toString('utf8'));
          // On the command line dnsmasq keeps quotes literally and splits strings at commas.
          if (strings.some((x) => x.includes(','))) throw new Error(`dnsmasq variant: TXT ${name} contains a comma`);
          args.push(`--txt-record=${name},${strings.join(',')}`);
          break;
        }
        case 'CNAME':
          args.push(`--cname=${name},${norm(value(r))}`);
          break;
        case 'SRV': {
          const [prio, weight, port, target] = value(r).trim().split(/\s+/);
          // no target: "service not available"
          args.push(norm(target ?? '') === '' ? `--srv-host=${name}` : `--srv-host=${name},${norm(target ?? '')},${port},${prio},${weight}`);
          break;
        }
        case 'PTR':
          args.push(`--ptr-record=${name},${norm(value(r))}`);
          break;
        case 'NS':
          break;
      }
    }
  }
  for (const [name, list] of addrs) args.push(`--host-record=${name},${list.join(',')}`);
  return args;
}

export interface DnsmasqServer {
  readonly server: string;
  close(): Promise<void>;
}

export async function startDnsmasq(zones: TestZone[]): Promise<DnsmasqServer> {
  const bin = dnsmasqPath();
  if (!bin) throw new Error('dnsmasq is not installed');
  // Find a port free for UDP and TCP, release it, and hand it to dnsmasq (retried if taken meanwhile).
  for (let attempt = 0; attempt < 5; attempt++) {
    const { udp, tcp, port } = await bindBoth();
    await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    const child: ChildProcess = spawn(bin, dnsmasqArgs(zones, port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    kill.unref();
    const close = async (): Promise<void> => {
      clearTimeout(kill);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    // Ready when it answers (bounded: 30 x 100 ms).
    const r = new dnsPromises.Resolver({ timeout: 100, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    for (let i = 0; i < 30 && child.exitCode === null; i++) {
      const ok = await r.resolveSoa(norm(zones[0]?.origin ?? 'localhost')).then(
        () => true,
        (e: unknown) => (e as { code?: string }).code !== 'ECONNREFUSED' && (e as { code?: string }).code !== 'ETIMEOUT',
      );
      if (ok) return { server: `127.0.0.1:${port}`, close };
      await new Promise((res) => setTimeout(res, 100));
    }
    await close();
    if (!/address in use/i.test(stderr)) throw new Error(`dnsmasq did not start: ${stderr.trim() || 'no answer'} (user ${os.userInfo().username})`);
  }
  throw new Error('dnsmasq: no free port after 5 attempts');
}
