// Test clients that connect FROM a chosen loopback address (the client, the attacker, the proxy)
// and optionally send bytes before the protocol starts (a forged PROXY header). Each one reports
// what the server did: greeted and answered, or closed the connection without a greeting.
import net from 'node:net';
import tls from 'node:tls';

export interface ConnectOptions {
  host: string;
  port: number;
  /** The source address of the connection (127.0.0.0/8 is all local on Linux). */
  localAddress: string;
  /** Raw bytes written right after connecting, before TLS or the protocol (e.g. a PROXY header). */
  prelude?: Buffer;
  /** Implicit TLS after the prelude (imaps, submissions, https). Certificates are not checked: the test CA is throwaway. */
  tls?: boolean;
  /** Upper bound for one whole exchange; a stuck daemon fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** A connection read line by line; `line()` resolves undefined once the peer closed. */
export class LineConnection {
  private buf = '';
  private waiters: Array<() => void> = [];
  private ended = false;
  error: Error | undefined;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    const end = (err?: Error) => {
      this.error ??= err;
      this.ended = true;
      this.wake();
    };
    socket.on('end', () => end());
    socket.on('close', () => end());
    socket.on('error', (e) => end(e));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const l = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        return l;
      }
      if (this.ended) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Reads lines until one matches (the final line of a reply); undefined when the peer closed. */
  async until(re: RegExp): Promise<string[] | undefined> {
    const out: string[] = [];
    for (;;) {
      const l = await this.line();
      if (l === undefined) return undefined;
      out.push(l);
      if (re.test(l)) return out;
    }
  }

  /** Everything until the peer closes. */
  async rest(): Promise<string> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
    const all = this.buf;
    this.buf = '';
    return all;
  }

  write(s: string): void {
    if (!this.socket.destroyed) this.socket.write(s);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Connects as `localAddress`; with `tls`, a failed handshake yields a connection that is already closed. */
export async function connect(o: ConnectOptions): Promise<LineConnection> {
  const raw = net.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
  raw.setTimeout(o.timeoutMs ?? 15_000, () => raw.destroy(new Error(`timeout talking to ${o.host}:${o.port}`)));
  await new Promise<void>((resolve, reject) => {
    raw.once('connect', resolve);
    raw.once('error', reject);
  });
  if (o.prelude) raw.write(o.prelude);
  if (!o.tls) return new LineConnection(raw);
  const secure = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'mail.example.com' });
  const conn = new LineConnection(secure);
  await new Promise<void>((resolve) => {
    secure.once('secureConnect', resolve);
    secure.once('close', resolve);
    secure.once('error', () => resolve());
  });
  return conn;
}

export interface Outcome {
  /** The server greeted (SMTP 220 / IMAP * OK) — false means it closed without one. */
  greeted: boolean;
  /** Server lines seen, for failure messages. */
  transcript: string[];
}

/**
 * An SMTP transaction up to RCPT TO, which is when front's nginx (smtp_auth none) asks admin's
 * auth endpoint; `tag` goes into MAIL FROM so the auth call (Auth-SMTP-From) can be matched.
 */
export async function smtpRcpt(o: ConnectOptions, tag: string): Promise<Outcome> {
  const c = await connect(o);
  const transcript: string[] = [];
  const step = async (cmd: string | undefined, re: RegExp) => {
    if (cmd) c.write(`${cmd}\r\n`);
    const got = await c.until(re);
    transcript.push(...(got ?? ['<closed>']));
    return got !== undefined;
  };
  try {
    if (!(await step(undefined, /^\d{3} /)) || !transcript[0]!.startsWith('220')) return { greeted: false, transcript };
    (await step('EHLO client.test', /^\d{3} /))
      && (await step(`MAIL FROM:<${tag}@client.test>`, /^\d{3} /))
      && (await step('RCPT TO:<postmaster@example.com>', /^\d{3} /))
      && (await step('QUIT', /^\d{3} /));
    return { greeted: true, transcript };
  } finally {
    c.close();
  }
}

/** IMAP LOGIN (dovecot's login.lua asks admin's auth endpoint); `user` matches the auth call (Auth-User). */
export async function imapLogin(o: ConnectOptions, user: string): Promise<Outcome> {
  const c = await connect(o);
  const transcript: string[] = [];
  try {
    const greeting = await c.line();
    if (greeting === undefined || !greeting.startsWith('* OK')) return { greeted: false, transcript: [greeting ?? '<closed>'] };
    transcript.push(greeting);
    c.write(`a1 LOGIN ${user} secret\r\n`);
    transcript.push(...((await c.until(/^a1 /)) ?? ['<closed>']));
    c.write('a2 LOGOUT\r\n');
    transcript.push(...((await c.until(/^a2 /)) ?? ['<closed>']));
    return { greeted: true, transcript };
  } finally {
    c.close();
  }
}

/** SMTP submission with AUTH PLAIN (dovecot's submission-login asks admin via login.lua). */
export async function submissionAuth(o: ConnectOptions, user: string): Promise<Outcome> {
  const c = await connect(o);
  const transcript: string[] = [];
  const reply = async () => {
    const got = await c.until(/^\d{3} /);
    transcript.push(...(got ?? ['<closed>']));
    return got !== undefined;
  };
  try {
    if (!(await reply()) || !transcript[0]!.startsWith('220')) return { greeted: false, transcript };
    c.write('EHLO client.test\r\n');
    if (!(await reply())) return { greeted: true, transcript };
    c.write(`AUTH PLAIN ${Buffer.from(`\0${user}\0secret`).toString('base64')}\r\n`);
    if (await reply()) {
      c.write('QUIT\r\n');
      await reply();
    }
    return { greeted: true, transcript };
  } finally {
    c.close();
  }
}

export interface HttpOutcome {
  /** The status line, or undefined when the server closed without answering. */
  status: string | undefined;
}

/** One HTTP/1.1 GET over a raw (optionally TLS) connection, so a PROXY header can precede it. */
export async function httpGet(o: ConnectOptions, path: string, headers: Record<string, string> = {}): Promise<HttpOutcome> {
  const c = await connect(o);
  try {
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    c.write(`GET ${path} HTTP/1.1\r\nHost: mail.example.com\r\n${extra}Connection: close\r\n\r\n`);
    const status = await c.line();
    await c.rest();
    return { status: status?.startsWith('HTTP/') ? status : undefined };
  } finally {
    c.close();
  }
}
