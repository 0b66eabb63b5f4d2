// The peers front talks to, played by small servers on 127.0.0.1 that record what they are told:
// admin (Mailu's /internal/auth/email answers nginx's auth_http and dovecot's login.lua; every
// other path stands in for the web locations front proxies to admin) and the mail backends
// (postfix and dovecot behind front), which record the client address front forwards to them.
import http from 'node:http';
import net from 'node:net';

/** One call to /internal/auth/email: header names lower-cased, values as sent. */
export type AuthCall = Record<string, string>;

/** One web request front proxied to admin: the client address front decided on. */
export interface WebCall {
  path: string;
  /** X-Real-IP: front's $remote_addr after its real-IP handling. */
  realIp: string | undefined;
  forwardedFor: string | undefined;
}

export interface AdminStub {
  readonly port: number;
  readonly auth: AuthCall[];
  readonly web: WebCall[];
  close(): Promise<void>;
}

/** Backend ports by the Auth-Protocol value nginx (smtp) or login.lua (imap, pop3, …) sends. */
export type Backends = Partial<Record<'smtp' | 'imap' | 'pop3' | 'submission' | 'sieve', number>>;

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/**
 * Admin's auth endpoint as Mailu's front uses it: 200 with `Auth-Status: OK` and the backend to
 * proxy to (`Auth-Server` must be an address for nginx). Anything else answers 200 "admin".
 */
export async function startAdminStub(backends: Backends): Promise<AdminStub> {
  const auth: AuthCall[] = [];
  const web: WebCall[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/internal/auth/email') {
      const headers = flatHeaders(req.headers);
      auth.push(headers);
      const port = backends[headers['auth-protocol'] as keyof Backends];
      if (port === undefined) {
        res.writeHead(200, { 'Auth-Status': 'unsupported protocol', 'Auth-Error-Code': '502 5.5.1' }).end();
        return;
      }
      res.writeHead(200, { 'Auth-Status': 'OK', 'Auth-Server': '127.0.0.1', 'Auth-Port': String(port) }).end();
      return;
    }
    const h = req.headers;
    web.push({ path: req.url ?? '', realIp: h['x-real-ip'] as string | undefined, forwardedFor: h['x-forwarded-for'] as string | undefined });
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('admin');
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, auth, web, close: closer(server, sockets) };
}

export interface LineBackend {
  readonly port: number;
  /** Lines received, one array per connection, connections in arrival order. */
  readonly sessions: string[][];
  close(): Promise<void>;
}

type Responder = (line: string) => string | undefined;

async function startLineServer(greeting: string, respond: Responder): Promise<LineBackend> {
  const sessions: string[][] = [];
  const server = net.createServer((sock) => {
    const lines: string[] = [];
    sessions.push(lines);
    sock.on('error', () => sock.destroy());
    sock.setEncoding('latin1');
    sock.write(greeting);
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        lines.push(line);
        const reply = respond(line);
        if (reply === undefined) sock.end();
        else if (reply) sock.write(reply);
      }
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, sessions, close: closer(server, sockets) };
}

/**
 * Postfix as front's nginx sees it: advertises XCLIENT (Mailu's postfix trusts front for it), so
 * nginx forwards the client address in `XCLIENT ADDR=…`, the address postfix would judge relaying by.
 */
export function startSmtpBackend(): Promise<LineBackend> {
  return startLineServer('220 backend.test ESMTP\r\n', (line) => {
    const verb = line.split(' ')[0]!.toUpperCase();
    if (verb === 'EHLO') return '250-backend.test\r\n250-XCLIENT ADDR PORT NAME LOGIN HELO PROTO\r\n250 8BITMIME\r\n';
    if (verb === 'XCLIENT') return '220 backend.test ESMTP\r\n';
    if (verb === 'QUIT') return undefined;
    return '250 ok\r\n';
  });
}

/** An IMAP backend announcing ID, so dovecot's proxy forwards the client in `ID ("x-originating-ip" …)`. */
export function startImapBackend(): Promise<LineBackend> {
  return startLineServer('* OK [CAPABILITY IMAP4rev1 ID] backend ready\r\n', (line) => {
    const [tag, verb] = line.split(' ');
    if (verb?.toUpperCase() === 'LOGOUT') return `* BYE\r\n${tag} OK bye\r\n`;
    return `${tag} OK done\r\n`;
  });
}
