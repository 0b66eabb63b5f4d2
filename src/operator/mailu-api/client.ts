// A small client for the three calls the operator makes to Mailu 2024.06's API (under WEB_API /api,
// version /v1): GET /domain, GET /alternative and POST /domain/<name>/dkim. Authentication is the
// Authorization header, "Bearer <token>" (Mailu compares what follows "Bearer " with API_TOKEN).
// Every request is bounded: one at a time per caller, a deadline on the whole exchange, and a cap
// on the answer's size, so a slow or broken admin can neither stall nor swell the operator.
// node:http, not fetch: the operator runs with --lite-mode (OPERATOR_NODE_FLAGS), which turns
// WebAssembly off, and fetch's HTTP parser (undici's llhttp) is WebAssembly.
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock.js';

export interface MailuApiClientOptions {
  /** e.g. http://mailu-admin.mailu.svc.cluster.local:8080/api/v1 */
  baseUrl: string;
  token: string;
  timeoutMs: number;
  clock: Clock;
  /** Largest answer accepted (bytes); 500 domains take ~1 MiB. */
  maxBytes?: number;
  /** Called once per finished request, for metrics (status 0: no HTTP answer). */
  onRequest?: (route: string, status: number) => void;
}

export type MailuApiFailure = 'timeout' | 'network' | 'unauthorized' | 'forbidden' | 'not-found' | 'rate-limited' | 'server' | 'http' | 'shape' | 'too-large';

export class MailuApiError extends Error {
  constructor(
    message: string,
    readonly kind: MailuApiFailure,
    readonly status?: number,
    /** The server's Retry-After, when it gave one (429). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'MailuApiError';
  }
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

function kindOf(status: number): MailuApiFailure {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  return status >= 500 ? 'server' : 'http';
}

/** Mailu's error bodies are JSON {"message": "..."} (flask-restx abort and its handlers). */
function errorText(body: string): string {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof m === 'string') return m.slice(0, 200);
  } catch {
    // not JSON (a proxy's page, Mailu's "API_TOKEN is not configured" HTML)
  }
  return body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

function retryAfter(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

export class MailuApiClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: MailuApiClientOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`Mailu API URL must be http(s): ${opts.baseUrl}`);
    // One kept-alive connection: the polls are sequential, so more would only idle.
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** Every domain with its dns_* fields (Mailu: list_domain). */
  listDomains(): Promise<unknown> {
    return this.request('GET', 'domain', 'domain');
  }

  /** Every alternative domain with the domain it belongs to (Mailu: list_alternative). */
  listAlternatives(): Promise<unknown> {
    return this.request('GET', 'alternative', 'alternative');
  }

  /** Generates (replacing any) DKIM key of a domain (Mailu: generate_dkim). */
  async generateDkim(domain: string): Promise<void> {
    await this.request('POST', `domain/${encodeURIComponent(domain)}/dkim`, 'domain/dkim');
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: 'GET' | 'POST', path: string, route: string): Promise<unknown> {
    const url = new URL(path, this.base);
    const lib = url.protocol === 'https:' ? https : http;
    const max = this.opts.maxBytes ?? DEFAULT_MAX_BYTES;
    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      const finish = (status: number, err?: MailuApiError, value?: unknown) => {
        if (done) return;
        done = true;
        this.opts.clock.clearTimeout(timer);
        this.opts.onRequest?.(route, status);
        if (err) reject(err);
        else resolve(value);
      };
      const req = lib.request(url, {
        method,
        agent: this.agent,
        headers: { authorization: `Bearer ${this.opts.token}`, accept: 'application/json', ...(method === 'POST' ? { 'content-length': '0' } : {}) },
      });
      const timer = this.opts.clock.setTimeout(
        () => {
          finish(0, new MailuApiError(`${method} ${url.pathname}: no complete answer within ${this.opts.timeoutMs} ms`, 'timeout'));
          req.destroy();
        },
        this.opts.timeoutMs,
        'Mailu API request timeout',
      );
      req.on('error', (e) => finish(0, new MailuApiError(`${method} ${url.pathname}: ${e.message}`, 'network')));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) {
            finish(res.statusCode ?? 0, new MailuApiError(`${method} ${url.pathname}: answer larger than ${max} bytes`, 'too-large', res.statusCode));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => finish(res.statusCode ?? 0, new MailuApiError(`${method} ${url.pathname}: ${e.message}`, 'network')));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status > 299) {
            finish(status, new MailuApiError(`${method} ${url.pathname}: HTTP ${status} ${errorText(body)}`.trim(), kindOf(status), status, retryAfter(res.headers['retry-after'])));
            return;
          }
          try {
            finish(status, undefined, body.length > 0 ? (JSON.parse(body) as unknown) : undefined);
          } catch {
            finish(status, new MailuApiError(`${method} ${url.pathname}: the answer is not JSON`, 'shape', status));
          }
        });
      });
      req.end();
    });
  }
}
