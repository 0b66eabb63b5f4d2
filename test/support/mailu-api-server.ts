// A Mailu 2024.06 API stand-in for tests: a real HTTP server on 127.0.0.1 serving the routes the
// DNS operator uses, with Mailu's paths, field names, authentication and error shapes:
//
// - routes under WEB_API (/api) + /v1: GET /domain, GET /domain/<name>, POST /domain,
//   DELETE /domain/<name>, POST /domain/<name>/dkim, GET /alternative, GET /alternative/<name>;
// - authentication as Mailu's api_token_authorization: no Authorization header → 401 "A valid
//   Authorization header is mandatory"; a value that is not the token once a leading "Bearer " is
//   removed (or a configured token shorter than 4 characters) → 403 "Invalid API token", and the
//   client address is rate-limited; past the limit → 429 "Too many attempts from your IP";
// - error bodies are JSON {"message": …} (flask-restx abort) or {"code", "message"} (the handlers);
// - the list answers omit fields that are None (marshal_with skip_none): a domain without a DKIM
//   key has no dns_dkim, dns_dmarc or dns_dmarc_report; a single domain's answer has them as null;
// - dns_* strings as Domain's dns_* properties format them (600 s TTL, trailing dots, quoted TXT).
//
// Faults for tests: a status for the next N requests, slow or never-ending answers, the server
// going away (connection refused) and coming back on the same port.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MailuApiServerOptions {
  token?: string;
  /** HOSTNAMES[0] (MX target in dns_mx, dns_autoconfig). */
  hostname?: string;
  /** DOMAIN (the DMARC report authorisation's zone). */
  domain?: string;
  selector?: string;
  dmarcRua?: string;
  dmarcRuf?: string;
  /** PORTS (dns_autoconfig lists SRV targets for these; 465 and 993 are always in). */
  ports?: number[];
  tlsFlavor?: string;
  /** Invalid tokens from one address before it gets 429s (Mailu's AUTH_RATELIMIT_IP analogue). */
  rateLimitAfter?: number;
}

export interface ApiRequest {
  method: string;
  path: string;
  authorization?: string;
  status: number;
  /** performance.now() when the answer was sent. */
  answeredAt?: number;
}

interface StoredDomain {
  /** Kept as stored, possibly hostile (tests put names Mailu's own validation would refuse). */
  name: string;
  alternatives: string[];
  /** Public key (base64), when the domain has a DKIM key. */
  key?: string;
}

type Fault = { status: number; count: number; body?: string; retryAfter?: number; paths?: RegExp };

const ABORT_404 = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

/** A DKIM public key for tests: base64 of the right shape (Mailu's keys are 2048-bit RSA). */
export function fakeDkimKey(seed: string): string {
  let out = '';
  for (let i = 0; out.length < 392; i++) out += createHash('sha512').update(`${seed}/${i}`).digest('base64').replace(/=+$/, '');
  return `MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${out.slice(0, 348)}IDAQAB`;
}

/** Mailu's validators.domain, close enough for the API's checks. */
function validDomain(name: string): boolean {
  return /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/i.test(name);
}

export class MailuApiServer {
  readonly requests: ApiRequest[] = [];
  readonly opts: Required<Omit<MailuApiServerOptions, 'dmarcRua' | 'dmarcRuf'>> & Pick<MailuApiServerOptions, 'dmarcRua' | 'dmarcRuf'>;
  private readonly domains = new Map<string, StoredDomain>();
  private readonly alternatives = new Map<string, string>();
  private readonly invalid = new Map<string, number>();
  private readonly overrides = new Map<string, Record<string, unknown>>();
  private server?: http.Server;
  private port = 0;
  private faults: Fault[] = [];
  /** Delay before every answer (ms). */
  delayMs = 0;
  /** Requests are accepted and never answered. */
  hang = false;
  private readonly hung = new Set<http.ServerResponse>();

  constructor(opts: MailuApiServerOptions = {}) {
    this.opts = {
      token: 'test-api-token-0123456789',
      hostname: 'mail.example.com',
      domain: 'example.com',
      selector: 'dkim',
      ports: [25, 80, 443, 465, 587, 993, 995, 4190],
      tlsFlavor: 'cert',
      rateLimitAfter: 1000,
      ...opts,
    };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** The server goes away: new connections are refused, open ones cut. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const r of this.hung) r.destroy();
    this.hung.clear();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Back on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.start();
  }

  async stop(): Promise<void> {
    await this.down();
  }

  // ------------------------------------------------------------ state

  addDomain(name: string, opts: { dkim?: boolean; alternatives?: string[] } = {}): void {
    this.domains.set(name, { name, alternatives: [], ...(opts.dkim ? { key: fakeDkimKey(name) } : {}) });
    for (const a of opts.alternatives ?? []) this.addAlternative(a, name);
  }

  removeDomain(name: string): void {
    this.domains.delete(name);
    for (const [a, d] of [...this.alternatives]) if (d === name) this.alternatives.delete(a);
  }

  addAlternative(name: string, domain: string): void {
    this.alternatives.set(name, domain);
    this.domains.get(domain)?.alternatives.push(name);
  }

  removeAlternative(name: string): void {
    const d = this.alternatives.get(name);
    this.alternatives.delete(name);
    const dom = d ? this.domains.get(d) : undefined;
    if (dom) dom.alternatives = dom.alternatives.filter((a) => a !== name);
  }

  /** Answers these fields for a domain instead of the computed ones (a broken or hostile admin). */
  override(name: string, fields: Record<string, unknown>): void {
    this.overrides.set(name, fields);
  }

  /** What the key generation stores (as Domain.generate_dkim_key + save_dkim_key). */
  setKey(name: string, key: string | undefined): void {
    const d = this.domains.get(name);
    if (d) d.key = key;
  }

  key(name: string): string | undefined {
    return this.domains.get(name)?.key;
  }

  domainNames(): string[] {
    return [...this.domains.keys()];
  }

  /** The next `count` requests (matching `paths`, if given) are answered with `status`. */
  fail(status: number, count = Infinity, opts: { body?: string; retryAfter?: number; paths?: RegExp } = {}): void {
    this.faults.push({ status, count, ...opts });
  }

  heal(): void {
    this.faults = [];
    this.hang = false;
    this.delayMs = 0;
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  // ------------------------------------------------------------ Mailu's fields

  private dnsFields(d: StoredDomain): Record<string, unknown> {
    const o = this.opts;
    const name = d.name;
    const ports = new Set([...o.ports, 465, 993]);
    const protocols: Array<[string, number, number]> = [
      ['imap', 143, 20],
      ['pop3', 110, 20],
      ['submission', 587, 20],
    ];
    if (o.tlsFlavor !== 'notls') protocols.push(['autodiscover', 443, 10], ['submissions', 465, 10], ['imaps', 993, 10], ['pop3s', 995, 10]);
    const autoconfig = [
      ...protocols.map(([p, port, prio]) => (ports.has(port) ? `_${p}._tcp.${name}. 600 IN SRV ${prio} 1 ${port} ${o.hostname}.` : `_${p}._tcp.${name}. 600 IN SRV 0 0 0 .`)),
      `autoconfig.${name}. 600 IN CNAME ${o.hostname}.`,
      `autodiscover.${name}. 600 IN CNAME ${o.hostname}.`,
    ];
    const rua = o.dmarcRua ? ` rua=mailto:${o.dmarcRua}@${o.domain};` : '';
    const ruf = o.dmarcRuf ? ` ruf=mailto:${o.dmarcRuf}@${o.domain};` : '';
    return {
      dns_autoconfig: autoconfig,
      dns_mx: `${name}. 600 IN MX 10 ${o.hostname}.`,
      dns_spf: `${name}. 600 IN TXT "v=spf1 mx a:${o.hostname} ~all"`,
      dns_dkim: d.key ? `${o.selector}._domainkey.${name}. 600 IN TXT "v=DKIM1; k=rsa; p=${d.key}"` : null,
      dns_dmarc: d.key ? `_dmarc.${name}. 600 IN TXT "v=DMARC1; p=reject;${rua}${ruf} adkim=s; aspf=s"` : null,
      dns_dmarc_report: d.key ? `${name}._report._dmarc.${o.domain}. 600 IN TXT "v=DMARC1;"` : null,
      dns_tlsa: o.tlsFlavor === 'letsencrypt' || o.tlsFlavor === 'mail-letsencrypt' ? [`_25._tcp.${o.hostname}. 86400 IN TLSA 2 1 1 0b9fa5a59eed715c26c1020c711b4f6ec42d58b0015e14337a39dad301c5afc3`] : [],
    };
  }

  /** DomainGet: every field; None as null (marshal), or left out (marshal_with skip_none). */
  private domainGet(d: StoredDomain, skipNone: boolean): Record<string, unknown> {
    const o: Record<string, unknown> = {
      name: d.name,
      comment: null,
      managers: [],
      max_users: -1,
      max_aliases: -1,
      max_quota_bytes: 0,
      signup_enabled: false,
      alternatives: [...d.alternatives],
      ...this.dnsFields(d),
      ...(this.overrides.get(d.name) ?? {}),
    };
    return skipNone ? Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) : o;
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const record: ApiRequest = { method: req.method ?? 'GET', path, authorization: req.headers.authorization, status: 0 };
    this.requests.push(record);
    if (this.hang) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      record.answeredAt = performance.now();
      if (res.destroyed) return;
      const text = typeof payload === 'string' ? payload : `${JSON.stringify(payload)}\n`;
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/html; charset=utf-8' : 'application/json', ...headers });
      res.end(text);
    };
    const fault = this.faults.find((f) => f.count > 0 && (!f.paths || f.paths.test(path)));
    if (fault) {
      fault.count--;
      send(fault.status, fault.body ?? { message: fault.status >= 500 ? 'Internal Server Error' : 'error' }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      return;
    }
    if (!path.startsWith('/api/v1/')) return send(404, { message: ABORT_404 });
    const denied = this.authorize(req);
    const route = this.route(req.method ?? 'GET', path.slice('/api/v1'.length), body);
    if (!route) return send(404, { message: ABORT_404 });
    if (denied) return send(denied.status, { message: denied.message });
    const [status, payload] = route();
    send(status, payload);
  }

  private authorize(req: http.IncomingMessage): { status: number; message: string } | undefined {
    const ip = req.socket.remoteAddress ?? '';
    if ((this.invalid.get(ip) ?? 0) >= this.opts.rateLimitAfter) return { status: 429, message: 'Too many attempts from your IP (rate-limit)' };
    const auth = req.headers.authorization;
    if (!auth) return { status: 401, message: 'A valid Authorization header is mandatory' };
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : auth;
    if (this.opts.token.length < 4 || given !== this.opts.token) {
      this.invalid.set(ip, (this.invalid.get(ip) ?? 0) + 1);
      return { status: 403, message: 'Invalid API token' };
    }
    return undefined;
  }

  /** The handler for a route, or undefined (404) when no route matches. */
  private route(method: string, path: string, body: string): (() => [number, unknown]) | undefined {
    let m: RegExpExecArray | null;
    if (path === '/domain' && method === 'GET') return () => [200, [...this.domains.values()].map((d) => this.domainGet(d, true))];
    if (path === '/domain' && method === 'POST') return () => this.createDomain(body);
    if (path === '/alternative' && method === 'GET') return () => [200, [...this.alternatives].map(([name, domain]) => ({ name, domain }))];
    if ((m = /^\/domain\/([^/]+)\/dkim$/.exec(path)) && method === 'POST') return () => this.generate(m![1]!);
    if ((m = /^\/domain\/([^/]+)$/.exec(path))) {
      const name = m[1]!;
      if (method === 'GET') {
        return () => {
          // Mailu answers an invalid name with a 400 body and HTTP status 200 (find_domain).
          if (!validDomain(name)) return [200, { code: 400, message: `Domain ${name} is not a valid domain` }];
          const d = this.domains.get(name);
          return d ? [200, this.domainGet(d, false)] : [404, { code: 404, message: `Domain ${name} does not exist` }];
        };
      }
      if (method === 'DELETE') {
        return () => {
          if (!validDomain(name)) return [400, { code: 400, message: `Domain ${name} is not a valid domain` }];
          if (!this.domains.has(name)) return [404, { code: 404, message: `Domain ${name} does not exist` }];
          this.removeDomain(name);
          return [200, { code: 200, message: `Domain ${name} has been deleted` }];
        };
      }
    }
    if ((m = /^\/alternative\/([^/]+)$/.exec(path)) && method === 'GET') {
      const name = m[1]!;
      return () => {
        if (!validDomain(name)) return [400, { code: 400, message: `Alternative domain ${name} is not a valid domain` }];
        const d = this.alternatives.get(name);
        return d ? [200, { name, domain: d }] : [404, { code: 404, message: `Alternative domain ${name} does not exist` }];
      };
    }
    return undefined;
  }

  private createDomain(body: string): [number, unknown] {
    let data: { name?: string; alternatives?: string[] };
    try {
      data = JSON.parse(body) as typeof data;
    } catch {
      return [400, { message: 'Failed to decode JSON object' }];
    }
    const name = data.name ?? '';
    if (!validDomain(name)) return [400, { code: 400, message: `Domain ${name} is not a valid domain` }];
    if (this.domains.has(name) || this.alternatives.has(name)) return [409, { code: 409, message: `Duplicate domain name ${name}` }];
    this.addDomain(name.toLowerCase(), { alternatives: data.alternatives });
    return [200, { code: 200, message: `Domain ${name} has been created` }];
  }

  private generate(name: string): [number, unknown] {
    if (!validDomain(name)) return [400, { code: 400, message: `Domain ${name} is not a valid domain` }];
    const d = this.domains.get(name);
    if (!d) return [404, { code: 404, message: `Domain ${name} does not exist` }];
    d.key = fakeDkimKey(`${name}/${Date.now()}/${Math.random()}`);
    return [200, { code: 200, message: `DKIM/DMARC keys have been generated for domain ${name}` }];
  }
}
