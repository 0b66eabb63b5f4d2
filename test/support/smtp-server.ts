// A tiny SMTP responder on 127.0.0.1 for probe tests: configurable greeting, STARTTLS advertised
// or not, or silence (to exercise timeouts). It answers EHLO/HELO/QUIT and nothing else.
import net from 'node:net';

export interface SmtpServerOptions {
  /** Greeting line without CRLF; default "220 mail.example.com ESMTP". */
  banner?: string;
  /** Advertise STARTTLS in the EHLO reply. */
  starttls?: boolean;
  /** Never greet (the client must time out). */
  silent?: boolean;
  /** The server closes itself after this long. Default 60 s. */
  lifetimeMs?: number;
}

export interface SmtpTestServer {
  readonly port: number;
  /** "127.0.0.1:PORT", the form --smtp takes. */
  readonly target: string;
  /** Commands received, in order. */
  readonly commands: string[];
  close(): Promise<void>;
}

export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<SmtpTestServer> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(15_000, () => sock.destroy());
    sock.setEncoding('latin1');
    if (!opts.silent) sock.write(`${opts.banner ?? '220 mail.example.com ESMTP'}\r\n`);
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        commands.push(line);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'EHLO') {
          const caps = ['PIPELINING', 'SIZE 52428800', ...(opts.starttls ? ['STARTTLS'] : []), 'ENHANCEDSTATUSCODES', '8BITMIME'];
          sock.write(`250-mail.example.com\r\n${caps.map((c, i) => `250${i === caps.length - 1 ? ' ' : '-'}${c}`).join('\r\n')}\r\n`);
        } else if (verb === 'HELO') sock.write('250 mail.example.com\r\n');
        else if (verb === 'QUIT') sock.end('221 2.0.0 Bye\r\n');
        else sock.write('502 5.5.2 Error: command not recognized\r\n');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const port = (server.address() as net.AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  const lifetime = setTimeout(() => void close(), opts.lifetimeMs ?? 60_000);
  lifetime.unref();
  return { port, target: `127.0.0.1:${port}`, commands, close };
}
