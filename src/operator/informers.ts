// Informers: client-node's ListWatch (what makeInformer builds) with four additions the operator
// needs. (1) Objects are cut down to the fields the operator reads before they enter the cache,
// so 1,000 nodes with their image lists do not sit in memory. (2) A restart with exponential
// backoff and jitter after errors: client-node relists by itself on 410 Gone, but stops on any
// other error (cut connection, 5xx). (3) The server's Retry-After on a list or watch is waited
// out: the backoff never goes below it. (4) Change filtering: a node heartbeat that alters nothing
// we read does not trigger a reconcile.
import type { Agent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { retryDelay, type Backoff } from './backoff.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import type { NodeLike, PodLike } from './facts.js';
import { describeError, retryAfterMs, statusOf } from './kube.js';
import type { OperatorMetrics } from './metrics.js';

type Obj = k8s.KubernetesObject;

function ts(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
}

function meta(o: Obj, extra: Record<string, unknown> = {}): k8s.V1ObjectMeta {
  const m = o.metadata ?? {};
  return {
    name: m.name,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    ...(m.labels ? { labels: { ...m.labels } } : {}),
    ...extra,
  } as k8s.V1ObjectMeta;
}

/** A pod reduced to what the operator reads: placement, scheduling constraints, readiness. */
export function stripPod(o: Obj): Obj & PodLike {
  const p = o as k8s.V1Pod;
  const aff = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const deletion = ts(p.metadata?.deletionTimestamp);
  return {
    metadata: meta(o, deletion ? { deletionTimestamp: deletion } : {}),
    spec: {
      ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}),
      ...(p.spec?.nodeSelector ? { nodeSelector: { ...p.spec.nodeSelector } } : {}),
      ...(aff ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: structuredClone(aff) } } } : {}),
      ...(p.spec?.tolerations ? { tolerations: structuredClone(p.spec.tolerations) } : {}),
    },
    status: {
      phase: p.status?.phase,
      conditions: (p.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status })),
    },
  } as Obj & PodLike;
}

/** A node reduced to labels, taints, cordon and addresses. */
export function stripNode(o: Obj): Obj & NodeLike {
  const n = o as k8s.V1Node;
  return {
    metadata: meta(o),
    spec: {
      ...(n.spec?.taints ? { taints: n.spec.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })) } : {}),
      ...(n.spec?.unschedulable ? { unschedulable: true } : {}),
    },
    status: { addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })) },
  } as Obj & NodeLike;
}

/** DNSEndpoints are small and written back whole: keep them as they are. */
export function keepWhole(o: Obj): Obj {
  return o;
}

/** What a change must alter to matter (everything but the resourceVersion). */
function fingerprint(o: Obj): string {
  const { resourceVersion: _rv, ...m } = o.metadata ?? {};
  return JSON.stringify({ ...o, metadata: m });
}

export interface ListPage {
  items: Obj[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

/** Page size of initial lists: a 1,000-node list is never held (and deserialised) all at once. */
export const LIST_PAGE_SIZE = 200;

/**
 * Lists in pages (limit/continue, as client-go's reflector does), stripping each page before the
 * next is fetched. When a continue token has expired (410) the list starts over unpaginated.
 */
export async function listInPages(
  fetchPage: (page: { limit?: number; continueToken?: string }) => Promise<ListPage>,
  strip: (o: Obj) => Obj,
): Promise<{ items: Obj[]; metadata: { resourceVersion?: string } }> {
  const items: Obj[] = [];
  let token: string | undefined;
  let rv: string | undefined;
  try {
    do {
      const page = await fetchPage({ limit: LIST_PAGE_SIZE, continueToken: token });
      for (const i of page.items) items.push(strip(i));
      rv = page.metadata?.resourceVersion ?? rv;
      token = page.metadata?._continue ?? page.metadata?.continue ?? undefined;
    } while (token);
  } catch (err) {
    if (token === undefined || statusOf(err) !== 410) throw err;
    const whole = await fetchPage({});
    return { items: whole.items.map(strip), metadata: { resourceVersion: whole.metadata?.resourceVersion } };
  }
  return { items, metadata: { resourceVersion: rv } };
}

export interface InformerSpec {
  /** Resource name for logs and metrics. */
  resource: string;
  /** API path of the collection, e.g. /api/v1/namespaces/mailu/pods. */
  path: string;
  /** One page of the collection (the informer pages through it). */
  list: (page: { limit?: number; continueToken?: string }) => Promise<ListPage>;
  labelSelector?: string;
  strip: (o: Obj) => Obj;
}

export interface InformerDeps {
  log: Logger;
  metrics: OperatorMetrics;
  backoff: Backoff;
  /** Something this informer caches changed (or its first list completed). */
  onChange: (resource: string) => void;
  clock?: Clock;
  /** Longest Retry-After waited out (default 30 s). */
  retryAfterMaxMs?: number;
}

/** A watch request the server answered with another status than 200; keeps what Retry-After needs. */
export class WatchStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: string,
  ) {
    super(`watch request answered HTTP ${statusCode}`);
  }
}

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/**
 * client-node's Watch done again, for three reasons: objects go through `strip` before ListWatch
 * caches them; an answer other than 200 keeps its headers (client-node's drops them, and with
 * them Retry-After); and a stream that ends or breaks inside an event is an error, so the restart
 * backs off (client-node ignores the torn line and reconnects at once).
 */
class StrippingWatch extends k8s.Watch {
  constructor(
    config: k8s.KubeConfig,
    private readonly strip: (o: Obj) => Obj,
    private readonly onWatchStart: () => void,
    private readonly onEvent: () => void,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // ListWatch calls watch() right after it has filled its cache from a list.
    this.onWatchStart();
    const controller = new AbortController();
    let finished = false;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      controller.abort();
      done(err);
    };
    try {
      const cluster = this.config.getCurrentCluster();
      if (!cluster) throw new Error('No currently active cluster');
      const url = new URL(cluster.server + path);
      url.searchParams.set('watch', 'true');
      for (const [k, v] of Object.entries(queryParams)) if (v !== undefined) url.searchParams.set(k, String(v));
      const init = await this.config.applyToFetchOptions({});
      const headers: Record<string, string> = {};
      (init.headers as { forEach(cb: (v: string, k: string) => void): void } | undefined)?.forEach((v, k) => (headers[k] = v));
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method: 'GET', headers, agent: init.agent as Agent | undefined, signal: controller.signal });
      req.on('error', finish);
      req.on('response', (res) => this.stream(res, callback, finish));
      req.end();
    } catch (err) {
      finish(err);
    }
    return controller;
  }

  private stream(res: IncomingMessage, callback: WatchCallback, finish: (err: unknown) => void): void {
    res.setEncoding('utf8');
    if (res.statusCode !== 200) {
      let body = '';
      res.on('data', (c: string) => (body = (body + c).slice(0, 4096)));
      const fail = () => finish(new WatchStatusError(res.statusCode ?? 0, res.headers, body));
      res.on('end', fail);
      res.on('error', fail);
      res.on('close', fail);
      return;
    }
    res.socket?.setKeepAlive(true, 30_000);
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line !== '' && !this.deliver(line, callback)) return finish(new Error('watch stream: an event that is not JSON'));
      }
    });
    res.on('end', () => finish(buf.trim() === '' ? null : new Error('watch stream ended inside an event')));
    res.on('error', finish);
    res.on('close', () => finish(res.complete ? null : new Error('watch connection closed inside the stream')));
  }

  private deliver(line: string, callback: WatchCallback): boolean {
    let ev: { type: string; object: Obj };
    try {
      ev = JSON.parse(line) as { type: string; object: Obj };
    } catch {
      return false;
    }
    this.onEvent();
    const phase = ev.type;
    callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? this.strip(ev.object) : ev.object, ev);
    return true;
  }
}

export class Informer {
  private readonly lw: k8s.ListWatch<Obj>;
  private stopped = true;
  private restartTimer?: ClockTimer;
  private readonly clock: Clock;
  private hasSynced = false;
  private readonly fingerprints = new Map<string, string>();
  private syncWaiters: Array<() => void> = [];

  constructor(
    kc: k8s.KubeConfig,
    readonly spec: InformerSpec,
    private readonly deps: InformerDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    const watch = new StrippingWatch(
      kc,
      spec.strip,
      () => this.markSynced(),
      () => deps.backoff.reset(),
    );
    const list = async () => {
      const res = await listInPages(spec.list, spec.strip);
      deps.backoff.reset();
      return res as k8s.KubernetesListObject<Obj>;
    };
    this.lw = new k8s.ListWatch<Obj>(spec.path, watch, list, false, spec.labelSelector);
    this.lw.on('add', (o) => this.changed('add', o));
    this.lw.on('update', (o) => this.changed('update', o));
    this.lw.on('delete', (o) => this.changed('delete', o));
    this.lw.on('error', (err) => this.failed(err));
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  whenSynced(): Promise<void> {
    if (this.hasSynced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  list(): readonly Obj[] {
    return this.lw.list();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.lw.start().catch((err: unknown) => this.failed(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.restartTimer);
    await this.lw.stop();
  }

  private markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    this.deps.log.debug({ resource: this.spec.resource, objects: this.lw.list().length }, 'informer synced');
    for (const w of this.syncWaiters) w();
    this.syncWaiters = [];
    this.deps.onChange(this.spec.resource);
  }

  private key(o: Obj): string {
    return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  }

  private changed(kind: 'add' | 'update' | 'delete', o: Obj): void {
    const key = this.key(o);
    if (kind === 'delete') {
      this.fingerprints.delete(key);
    } else {
      const fp = fingerprint(o);
      if (kind === 'update' && this.fingerprints.get(key) === fp) return;
      this.fingerprints.set(key, fp);
    }
    // Events during the initial list are folded into the one "synced" trigger.
    if (this.hasSynced) this.deps.onChange(this.spec.resource);
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    const delay = retryDelay(this.deps.backoff.next(), retryAfterMs(err), this.deps.retryAfterMaxMs ?? 30_000);
    this.deps.metrics.errors.inc({ kind: 'watch' });
    this.deps.metrics.watchRestarts.inc({ resource: this.spec.resource });
    const status = statusOf(err);
    const hint =
      status === 404 ? ` (is the ${this.spec.resource} resource served? for dnsendpoints: install the external-dns DNSEndpoint CRD)`
      : status === 401 || status === 403 ? ' (check the ServiceAccount and its RBAC)'
      : '';
    this.deps.log.warn(
      { resource: this.spec.resource, err: describeError(err), retryInMs: delay, attempt: this.deps.backoff.attempts },
      `list/watch of ${this.spec.resource} failed${hint}; retrying with backoff (the cache keeps its last state meanwhile)`,
    );
    this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = this.clock.setTimeout(
      () => {
        if (this.stopped) return;
        void this.lw.start().catch((e: unknown) => this.failed(e));
      },
      delay,
      `informer ${this.spec.resource}`,
    );
  }
}
