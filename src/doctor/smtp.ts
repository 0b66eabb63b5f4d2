// A minimal SMTP probe: read the greeting, send EHLO, look for STARTTLS, say QUIT. Every step is
// bounded by one overall deadline so a silent server cannot hang the doctor.
import net from 'node:net';
import { DoctorInputError } from './resolver.js';
import type { SmtpProbeResult } from './types.js';

export interface SmtpTarget {
  host: string;
  port: number;
}

/** "HOST[:PORT]" (IPv6 in brackets) → target; port 25 by default. */
export function parseSmtpTarget(spec: string): SmtpTarget {
  const s = spec.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  let host: string | undefined;
  let port: string | undefined;
  if (bracketed) [, host, port] = bracketed;
  else if (net.isIPv6(s)) host = s;
  else [, host, port] = /^([^:\s]+)(?::(\d+))?$/.exec(s) ?? [];
  const p = port === undefined ? 25 : Number(port);
  if (!host || !Number.isInteger(p) || p < 1 || p > 65535) throw new DoctorInputError(`--smtp "${spec}": expected HOST[:PORT], e.g. mail.example.com or 203.0.113.10:25`);
  return { host, port: p };
}

/** A reply's lines, once its last line ("NNN text") has arrived. */
function takeReply(buffer: string): { lines: string[]; rest: string } | undefined {
  const lines: string[] = [];
  let rest = buffer;
  for (;;) {
    const nl = rest.indexOf('\n');
    if (nl < 0) return undefined;
    const line = rest.slice(0, nl).replace(/\r$/, '');
    rest = rest.slice(nl + 1);
    lines.push(line);
    if (!/^\d{3}-/.test(line)) return { lines, rest };
  }
}

export async function probeSmtp(target: SmtpTarget, opts: { timeoutMs?: number; ehloName?: string } = {}): Promise<SmtpProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const res: SmtpProbeResult = { host: target.host, port: target.port, connected: false };
  const sock = net.connect({ host: target.host, port: target.port });
  sock.setEncoding('latin1');
  let buffer = '';
  let waiter: (() => void) | undefined;
  let failure: Error | undefined;
  let ended = false;
  sock.on('data', (d: string) => {
    buffer += d;
    if (buffer.length > 64 * 1024) failure = new Error('reply too long');
    waiter?.();
  });
  sock.on('error', (e) => {
    failure = e;
    waiter?.();
  });
  sock.on('close', () => {
    ended = true;
    waiter?.();
  });
  const deadline = setTimeout(() => {
    failure = new Error(`no complete answer within ${timeoutMs} ms`);
    waiter?.();
  }, timeoutMs);

  const nextReply = async (): Promise<string[]> => {
    for (;;) {
      const r = takeReply(buffer);
      if (r) {
        buffer = r.rest;
        return r.lines;
      }
      if (failure) throw failure;
      if (ended) throw new Error('connection closed by the server');
      await new Promise<void>((resolve) => (waiter = resolve));
      waiter = undefined;
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
      const t = setTimeout(() => reject(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
      sock.once('connect', () => clearTimeout(t));
      sock.once('error', () => clearTimeout(t));
    });
    res.connected = true;
    const greeting = await nextReply();
    res.banner = greeting.join('\n');
    const first = greeting[0] ?? '';
    res.bannerHost = /^\d{3}[ -](\S+)/.exec(first)?.[1];
    if (!first.startsWith('220')) throw new Error(`greeting is not 220: ${first}`);
    sock.write(`EHLO ${opts.ehloName ?? 'doctor.mailu-k8s.invalid'}\r\n`);
    const ehlo = await nextReply();
    res.ehloLines = ehlo;
    if (!ehlo[0]?.startsWith('250')) throw new Error(`EHLO refused: ${ehlo.join(' / ')}`);
    res.starttls = ehlo.some((l) => /^250[ -]STARTTLS\b/i.test(l));
    sock.write('QUIT\r\n');
    // Wait for the 221 so the server logs a clean session; its absence is not a finding.
    await nextReply().catch(() => undefined);
  } catch (err) {
    res.error = err instanceof Error ? `${(err as NodeJS.ErrnoException).code ? `${(err as NodeJS.ErrnoException).code}: ` : ''}${err.message}` : String(err);
  } finally {
    clearTimeout(deadline);
    sock.end();
    sock.destroy();
  }
  return res;
}
