// An in-process Kubernetes API test server speaking the real REST and watch protocol over HTTP, so
// the operator (through @kubernetes/client-node) and kubectl talk to it exactly as to a cluster.
//
// What it models, as kube-apiserver does:
// - one global resourceVersion counter; every write bumps it; lists carry it in metadata;
// - list with labelSelector / fieldSelector / limit+continue; watch streams (chunked JSON lines)
//   with ADDED / MODIFIED / DELETED / BOOKMARK / ERROR, replay from a resourceVersion, selector
//   transitions (an object leaving a selector arrives as DELETED), timeoutSeconds;
// - a bounded event history: a watch from a resourceVersion older than it gets ERROR 410 Expired;
// - create (409 AlreadyExists), update with resourceVersion (409 Conflict when stale, 422 when
//   missing), no-op updates that don't bump the version, merge and JSON patch (strategic merge
//   patch only for built-in types, read as a merge patch; 415 for custom resources), status
//   subresources, delete with preconditions, finalizers and pod grace periods;
// - discovery (/version, /api, /apis, resource lists) and server-side Table output for kubectl.
// Known simplifications: no server-side apply (415), continue tokens are not snapshots, no
// admission/validation beyond names, namespaces and versions.
// Fault injection drives the tests, each fault as kube-apiserver shows it to a client: an outage;
// a share of requests answered 429/503/500 (429 and 503 with Retry-After and
// details.retryAfterSeconds, as priority and fairness and an unready server send them); latency;
// watches dropped, expired (ERROR 410) or cut in the middle of an event; compaction; a restart
// (connections refused for a while, then a fresh watch cache: resuming an older resourceVersion
// gets 410); a concurrent writer whose updates make the client's next write a real 409; hooks.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonPatch, mergePatch, PatchError } from './kube-patch.js';
import { parseFieldSelector, parseLabelSelector, SelectorError, type FieldSelector, type LabelSelector } from './kube-selectors.js';

export interface KubeMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  [k: string]: unknown;
}

export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Writes to the main resource ignore status; /status writes only status. */
  statusSubresource: boolean;
  /** Custom resources: no strategic merge patch, generation tracks spec. */
  custom: boolean;
  fieldLabels: string[];
  /** Extra table columns: header and JSON path read from the object. */
  columns: Array<{ name: string; path: string }>;
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

export const BUILTIN_RESOURCES: ResourceType[] = [
  {
    group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false,
    shortNames: ['ns'], statusSubresource: true, custom: false, fieldLabels: [...META_FIELDS, 'status.phase'],
    columns: [{ name: 'Status', path: 'status.phase' }],
  },
  {
    group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'],
    statusSubresource: true, custom: false,
    fieldLabels: [...META_FIELDS, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName',
      'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    columns: [{ name: 'Status', path: 'status.phase' }, { name: 'Node', path: 'spec.nodeName' }],
  },
  {
    group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'],
    statusSubresource: true, custom: false, fieldLabels: [...META_FIELDS, 'spec.unschedulable'], columns: [],
  },
  {
    group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'],
    statusSubresource: false, custom: false,
    fieldLabels: [...META_FIELDS, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name',
      'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
      'reason', 'reportingComponent', 'source', 'type'],
    columns: [{ name: 'Type', path: 'type' }, { name: 'Reason', path: 'reason' }, { name: 'Message', path: 'message' }],
  },
  {
    group: 'coordination.k8s.io', version: 'v1', plural: 'leases', singular: 'lease', kind: 'Lease', namespaced: true,
    shortNames: [], statusSubresource: false, custom: false, fieldLabels: META_FIELDS,
    columns: [{ name: 'Holder', path: 'spec.holderIdentity' }],
  },
  {
    group: 'externaldns.k8s.io', version: 'v1alpha1', plural: 'dnsendpoints', singular: 'dnsendpoint', kind: 'DNSEndpoint',
    namespaced: true, shortNames: [], statusSubresource: true, custom: true, fieldLabels: META_FIELDS, columns: [],
  },
];

export interface RequestRecord {
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
  status: number;
  userAgent: string;
  /** When the request arrived, on the server's monotonic clock (performance.now()). */
  at: number;
  /** The Retry-After header of the answer, if any. */
  retryAfter?: string;
  /** The bearer token the client sent: tells replicas apart when each has its own kubeconfig. */
  client: string;
}

/** A share of requests answered with an error status, as an overloaded or restarting server does. */
export interface ErrorInjection {
  /** Fraction of matching requests refused (0..1). */
  rate: number;
  /** Statuses to pick from (default 500, 503, 429). */
  statuses?: number[];
  /** Retry-After sent with 429 and 503 (default 1; 0 sends none). */
  retryAfterSeconds?: number;
  /** Which requests (default: every resource request). */
  match?: (info: RequestInfo) => boolean;
  /** Source of randomness (default: seeded, so a run repeats). */
  random?: () => number;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULT_STATUS: Record<number, { reason: string; message: string }> = {
  429: { reason: 'TooManyRequests', message: 'Too many requests, please try again later.' },
  500: { reason: 'InternalError', message: 'Internal error occurred: injected fault' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
};

/** What a request hook may do: fall through, or answer with a status (the body becomes a Status). */
export type HookResult = void | undefined | { status: number; message?: string; reason?: string };

export interface RequestInfo {
  method: string;
  path: string;
  query: Record<string, string>;
  resource?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watch: boolean;
  body?: unknown;
}

export interface KubeApiServerOptions {
  host?: string;
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Watch events kept for resuming; older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** Interval of BOOKMARK events for watches that ask for them (allowWatchBookmarks=true). */
  bookmarkIntervalMs?: number;
  /** Reported by /version. */
  gitVersion?: string;
  /** Keep per-request records (disable for benchmarks with huge request counts). */
  recordRequests?: boolean;
}

interface HistoryEvent {
  rv: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  prev?: KubeObject;
}

interface Watcher {
  resource: ResourceType;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  res: ServerResponse;
  table: boolean;
  timers: NodeJS.Timeout[];
  closed: boolean;
  /** The next event is cut off halfway and the connection dropped. */
  cutNext?: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function groupVersion(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}

function withoutStatus(o: KubeObject): KubeObject {
  const { status: _s, ...rest } = o;
  return rest as KubeObject;
}

/** Everything except metadata and status: what metadata.generation tracks. */
function specPart(o: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return stable(rest);
}

function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

export class KubeApiServer {
  readonly resources: ResourceType[];
  private readonly opts: Required<Omit<KubeApiServerOptions, 'token'>> & { token?: string };
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private rv = 1;
  /** resource plural -> "ns/name" -> object */
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private history: HistoryEvent[] = [];
  /** Highest resourceVersion whose event is no longer in the history. */
  private compactedRv = 0;
  private readonly watchers = new Set<Watcher>();
  private outage?: { status: number; until?: number };
  private readonly hooks: Array<(info: RequestInfo) => HookResult | Promise<HookResult>> = [];
  private readonly errorInjections = new Set<ErrorInjection & { random: () => number }>();
  private readonly latencies = new Set<{ minMs: number; maxMs: number; match?: (info: RequestInfo) => boolean; random: () => number }>();
  /** Server-side answers by status, including injected faults ("429", "503", "409", ...). */
  readonly statusCounts = new Map<number, number>();
  readonly requests: RequestRecord[] = [];
  /** Counters by "METHOD resource[/sub]" ("GET pods", "WATCH nodes", "PUT dnsendpoints"). */
  readonly counts = new Map<string, number>();
  private baseUrl = '';

  constructor(options: KubeApiServerOptions = {}) {
    this.opts = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      token: options.token,
      historyLimit: options.historyLimit ?? 5000,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      gitVersion: options.gitVersion ?? 'v1.32.0',
      recordRequests: options.recordRequests ?? true,
    };
    this.resources = [...BUILTIN_RESOURCES];
    for (const r of this.resources) this.store.set(r.plural, new Map());
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<string> {
    await this.listen(this.opts.port);
    const addr = this.server!.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.baseUrl = `http://${host}:${addr.port}`;
    return this.baseUrl;
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendStatus(res, 500, 'InternalError', `test server: ${String(err)}`);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.opts.host, () => resolve());
    });
    this.server = server;
  }

  get url(): string {
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const w of [...this.watchers]) this.closeWatcher(w, true);
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig (YAML) for this server. Plain HTTP needs insecure-skip-tls-verify for client-node. */
  kubeconfigYaml(opts: { namespace?: string; token?: string } = {}): string {
    const token = opts.token ?? this.opts.token ?? 'test-token';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: ${this.baseUrl}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: test',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: test',
      '  context:',
      '    cluster: test',
      '    user: test',
      ...(opts.namespace ? [`    namespace: ${opts.namespace}`] : []),
      'current-context: test',
      '',
    ].join('\n');
  }

  /** Writes the kubeconfig to a fresh temp directory and returns its path. */
  writeKubeconfig(opts: { namespace?: string; token?: string } = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'kube-test-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(path, this.kubeconfigYaml(opts), { mode: 0o600 });
    return path;
  }

  // ---------------------------------------------------------------- in-process store API (tests)

  get resourceVersion(): string {
    return String(this.rv);
  }

  resource(plural: string): ResourceType {
    const r = this.resources.find((x) => x.plural === plural);
    if (!r) throw new Error(`test server: unknown resource "${plural}"`);
    return r;
  }

  get(plural: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(plural)?.get(this.key(this.resource(plural), namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  list(plural: string, namespace?: string): KubeObject[] {
    const all = [...(this.store.get(plural)?.values() ?? [])];
    return all.filter((o) => namespace === undefined || o.metadata.namespace === namespace).map((o) => structuredClone(o));
  }

  /** What a list of this collection path (e.g. /api/v1/namespaces/mailu/pods) with a label selector holds now. */
  collection(path: string, labelSelector?: string): KubeObject[] {
    const route = this.route(path.split('/').filter((p) => p !== ''));
    if (!route || route.name) throw new Error(`not a collection path: ${path}`);
    const sel = this.selectors(route.resource, route.namespace, labelSelector ? { labelSelector } : {});
    return [...this.store.get(route.resource.plural)!.values()].filter((o) => this.matches(sel, o)).map((o) => structuredClone(o));
  }

  /** Creates an object as a client would (status kept: tests play kubelet/controllers too). */
  create(plural: string, obj: KubeObject): KubeObject {
    return structuredClone(this.doCreate(this.resource(plural), obj.metadata.namespace, obj, { keepStatus: true }));
  }

  /** Replaces an object unconditionally (the stored resourceVersion is used). */
  put(plural: string, obj: KubeObject): KubeObject {
    const r = this.resource(plural);
    const cur = this.mustGet(r, obj.metadata.namespace, obj.metadata.name ?? '');
    const next = structuredClone(obj);
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    return structuredClone(this.doUpdate(r, next, { statusOnly: false, keepStatus: true }));
  }

  /** Read-modify-write through a function. Returns the stored object. */
  mutate(plural: string, namespace: string | undefined, name: string, fn: (o: KubeObject) => void): KubeObject {
    const r = this.resource(plural);
    const cur = structuredClone(this.mustGet(r, namespace, name));
    fn(cur);
    return structuredClone(this.doUpdate(r, cur, { statusOnly: false, keepStatus: true }));
  }

  /** Creates or replaces. */
  upsert(plural: string, obj: KubeObject): KubeObject {
    return this.get(plural, obj.metadata.namespace, obj.metadata.name ?? '') ? this.put(plural, obj) : this.create(plural, obj);
  }

  /** Removes an object at once (no finalizers, no grace period). */
  remove(plural: string, namespace: string | undefined, name: string): void {
    const r = this.resource(plural);
    const cur = this.mustGet(r, namespace, name);
    this.doRemove(r, cur);
  }

  /** Many writes without per-object cloning of the result (benchmark set-up). */
  bulkCreate(plural: string, objs: KubeObject[]): void {
    const r = this.resource(plural);
    for (const o of objs) this.doCreate(r, o.metadata.namespace, o, { keepStatus: true });
  }

  // ---------------------------------------------------------------- fault injection

  /** Every request answers `status` (default 503) until cleared or `durationMs` passes; open watches drop. */
  startOutage(opts: { status?: number; durationMs?: number } = {}): void {
    this.outage = { status: opts.status ?? 503, until: opts.durationMs === undefined ? undefined : Date.now() + opts.durationMs };
    this.dropWatches();
  }

  endOutage(): void {
    this.outage = undefined;
  }

  get inOutage(): boolean {
    if (this.outage?.until !== undefined && Date.now() >= this.outage.until) this.outage = undefined;
    return this.outage !== undefined;
  }

  /** Ends open watch streams: `hard` destroys the socket (network cut), otherwise a clean end. */
  dropWatches(opts: { resource?: string; hard?: boolean } = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) {
      if (opts.resource && w.resource.plural !== opts.resource) continue;
      this.closeWatcher(w, opts.hard ?? true);
      n++;
    }
    return n;
  }

  /** Sends ERROR 410 Expired on open watches and ends them, as when the watch cache falls behind. */
  expireWatches(opts: { resource?: string } = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) {
      if (opts.resource && w.resource.plural !== opts.resource) continue;
      this.writeEvent(w, { type: 'ERROR', object: this.statusBody(410, 'Expired', `too old resource version: (${this.rv})`) });
      this.closeWatcher(w, false);
      n++;
    }
    return n;
  }

  /** Forgets the event history: resuming any watch from an older resourceVersion gets 410. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
  }

  /** Runs before each HTTP request is served; can answer it instead (e.g. 500, or cause a 409). */
  addHook(fn: (info: RequestInfo) => HookResult | Promise<HookResult>): () => void {
    this.hooks.push(fn);
    return () => {
      const i = this.hooks.indexOf(fn);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Refuses a share of requests with 429/503/500 until the returned function is called. */
  injectErrors(opts: ErrorInjection): () => void {
    const rule = { ...opts, random: opts.random ?? seededRandom(0x5eed + this.errorInjections.size) };
    this.errorInjections.add(rule);
    return () => this.errorInjections.delete(rule);
  }

  /** Delays matching requests by minMs..maxMs before they are served, until the returned function is called. */
  addLatency(opts: { minMs: number; maxMs?: number; match?: (info: RequestInfo) => boolean; random?: () => number }): () => void {
    const rule = { minMs: opts.minMs, maxMs: opts.maxMs ?? opts.minMs, match: opts.match, random: opts.random ?? seededRandom(0x1a7e) };
    this.latencies.add(rule);
    return () => this.latencies.delete(rule);
  }

  /**
   * Another writer updates the object (an annotation) just before a matching write of the client
   * is served, so that write carries a stale resourceVersion and gets a real 409. `rate` of the
   * matching writes are raced (default all).
   */
  raceWrites(opts: { match?: (info: RequestInfo) => boolean; rate?: number; random?: () => number } = {}): () => void {
    const random = opts.random ?? seededRandom(0x409);
    let n = 0;
    return this.addHook((info) => {
      if (!info.resource || !info.name || !['PUT', 'PATCH', 'DELETE'].includes(info.method)) return;
      if (opts.match && !opts.match(info)) return;
      if (random() >= (opts.rate ?? 1)) return;
      if (!this.get(info.resource.plural, info.namespace, info.name)) return;
      this.mutate(info.resource.plural, info.namespace, info.name, (o) => {
        o.metadata.annotations = { ...(o.metadata.annotations ?? {}), 'test.example.com/concurrent-writer': String(++n) };
      });
    });
  }

  /**
   * Arms open watches so that the next event each would send is cut off halfway and its
   * connection dropped (a proxy or node failing mid-stream). The client must resume from the last
   * event it fully received.
   */
  cutWatchesMidEvent(opts: { resource?: string } = {}): number {
    let n = 0;
    for (const w of this.watchers) {
      if (opts.resource && w.resource.plural !== opts.resource) continue;
      w.cutNext = true;
      n++;
    }
    return n;
  }

  /**
   * A restart: every connection is dropped, new ones are refused for `downMs`, then the server
   * listens again (same address) with a fresh watch cache, so resuming a watch from an older
   * resourceVersion gets 410 Gone and clients must list again. Stored objects survive (etcd).
   */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    const server = this.server;
    if (!server) throw new Error('test server: not running');
    const { port } = server.address() as AddressInfo;
    for (const w of [...this.watchers]) this.closeWatcher(w, true);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
    this.compact();
    await new Promise((r) => setTimeout(r, opts.downMs ?? 0));
    await this.listen(port);
  }

  /** Sends a BOOKMARK now on watches that allow them. */
  sendBookmarks(): void {
    for (const w of this.watchers) this.sendBookmark(w);
  }

  openWatches(resource?: string): number {
    return [...this.watchers].filter((w) => !resource || w.resource.plural === resource).length;
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  resetCounts(): void {
    this.counts.clear();
    this.statusCounts.clear();
    this.requests.length = 0;
  }

  // ---------------------------------------------------------------- storage core

  private key(r: ResourceType, namespace: string | undefined, name: string): string {
    return r.namespaced ? `${namespace ?? ''}/${name}` : name;
  }

  private mustGet(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(r.plural)!.get(this.key(r, namespace, name));
    if (!o) throw new HttpError(404, 'NotFound', `${this.qualified(r)} "${name}" not found`, this.details(r, name));
    return o;
  }

  private qualified(r: ResourceType): string {
    return r.group ? `${r.plural}.${r.group}` : r.plural;
  }

  private details(r: ResourceType, name: string): Record<string, unknown> {
    return { name, ...(r.group ? { group: r.group } : {}), kind: r.plural };
  }

  /** Observes every stored change (tests record an object's content over time with it). */
  subscribe(fn: (ev: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: string; object: KubeObject; time: number }) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private readonly subscribers = new Set<(ev: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; resource: string; object: KubeObject; time: number }) => void>();

  private record(r: ResourceType, type: HistoryEvent['type'], object: KubeObject, prev?: KubeObject): void {
    const ev: HistoryEvent = { rv: this.rv, resource: r.plural, type, object, prev };
    if (this.subscribers.size) {
      const time = performance.now();
      for (const fn of this.subscribers) fn({ type, resource: r.plural, object: structuredClone(object), time });
    }
    this.history.push(ev);
    if (this.history.length > this.opts.historyLimit * 1.25) {
      const drop = this.history.length - this.opts.historyLimit;
      this.compactedRv = this.history[drop - 1]!.rv;
      this.history.splice(0, drop);
    }
    for (const w of this.watchers) if (w.resource === r) this.deliver(w, ev);
  }

  private doCreate(r: ResourceType, namespace: string | undefined, input: KubeObject, o: { keepStatus: boolean }): KubeObject {
    if (!input || typeof input !== 'object' || typeof input.metadata !== 'object' || input.metadata === null) {
      throw new HttpError(400, 'BadRequest', 'the object has no metadata');
    }
    const obj = structuredClone(input);
    const meta = obj.metadata;
    if (r.namespaced) {
      const ns = namespace ?? meta.namespace;
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!ns) throw new HttpError(400, 'BadRequest', 'a namespace is required for a namespaced resource');
      meta.namespace = ns;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    if (!meta.name) throw new HttpError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name) || meta.name.length > 253) {
      throw new HttpError(422, 'Invalid', `${r.kind} "${meta.name}" is invalid: metadata.name: Invalid value: "${meta.name}"`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== groupVersion(r)) {
      throw new HttpError(400, 'BadRequest', `the API version in the data (${obj.apiVersion}) does not match the expected API version (${groupVersion(r)})`);
    }
    if (obj.kind !== undefined && obj.kind !== r.kind) {
      throw new HttpError(400, 'BadRequest', `the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
    }
    const map = this.store.get(r.plural)!;
    const key = this.key(r, meta.namespace, meta.name);
    if (map.has(key)) {
      throw new HttpError(409, 'AlreadyExists', `${this.qualified(r)} "${meta.name}" already exists`, this.details(r, meta.name));
    }
    obj.apiVersion = groupVersion(r);
    obj.kind = r.kind;
    if (r.statusSubresource && !o.keepStatus) delete obj.status;
    if (r.plural === 'pods' && !o.keepStatus) obj.status = { phase: 'Pending' };
    this.rv++;
    meta.uid = randomUUID();
    meta.resourceVersion = String(this.rv);
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    if (r.custom || obj.spec !== undefined) meta.generation = 1;
    map.set(key, obj);
    this.record(r, 'ADDED', obj);
    return obj;
  }

  private doUpdate(r: ResourceType, input: KubeObject, o: { statusOnly: boolean; keepStatus: boolean }): KubeObject {
    const meta = input.metadata ?? {};
    const name = meta.name ?? '';
    const cur = this.mustGet(r, meta.namespace, name);
    if (meta.resourceVersion === undefined || meta.resourceVersion === '') {
      throw new HttpError(422, 'Invalid', `${r.kind} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`);
    }
    if (meta.resourceVersion !== cur.metadata.resourceVersion) {
      throw new HttpError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${this.qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        this.details(r, name),
      );
    }
    if (meta.uid && meta.uid !== cur.metadata.uid) {
      throw new HttpError(409, 'Conflict', `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${cur.metadata.uid}`);
    }
    let next: KubeObject;
    if (o.statusOnly) {
      next = structuredClone(cur);
      next.status = structuredClone(input.status);
    } else {
      next = structuredClone(input);
      if (r.statusSubresource && !o.keepStatus) {
        if (cur.status === undefined) delete next.status;
        else next.status = structuredClone(cur.status);
      }
    }
    next.apiVersion = groupVersion(r);
    next.kind = r.kind;
    // Immutable / server-owned metadata.
    next.metadata = {
      ...next.metadata,
      name: cur.metadata.name,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      ...(r.namespaced ? { namespace: cur.metadata.namespace } : {}),
    };
    if (!r.namespaced) delete next.metadata.namespace;
    if (cur.metadata.deletionTimestamp) next.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    if (cur.metadata.generation !== undefined) {
      next.metadata.generation = cur.metadata.generation + (specPart(next) !== specPart(cur) ? 1 : 0);
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    // A write that changes nothing is not a change: same resourceVersion, no watch event.
    if (stable(next) === stable(cur)) return cur;
    // Removing the last finalizer of an object being deleted completes the deletion.
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && r.plural !== 'pods') {
      this.doRemove(r, cur);
      return cur;
    }
    this.rv++;
    next.metadata.resourceVersion = String(this.rv);
    this.store.get(r.plural)!.set(this.key(r, cur.metadata.namespace, name), next);
    this.record(r, 'MODIFIED', next, cur);
    return next;
  }

  private doRemove(r: ResourceType, cur: KubeObject): KubeObject {
    this.store.get(r.plural)!.delete(this.key(r, cur.metadata.namespace, cur.metadata.name ?? ''));
    this.rv++;
    const gone = structuredClone(cur);
    gone.metadata.resourceVersion = String(this.rv);
    this.record(r, 'DELETED', gone, cur);
    return gone;
  }

  private doDelete(r: ResourceType, namespace: string | undefined, name: string, body: Record<string, unknown> | undefined, query: Record<string, string>): KubeObject {
    const cur = this.mustGet(r, namespace, name);
    const pre = (body?.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
    if (pre.uid && pre.uid !== cur.metadata.uid) {
      throw new HttpError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
      throw new HttpError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`);
    }
    const graceRaw = body?.gracePeriodSeconds ?? query.gracePeriodSeconds;
    const grace = graceRaw === undefined ? undefined : Number(graceRaw);
    const scheduledPod = r.plural === 'pods' && Boolean(readPath(cur, 'spec.nodeName'));
    const podGrace = scheduledPod ? (grace ?? Number(readPath(cur, 'spec.terminationGracePeriodSeconds') ?? 30)) : 0;
    if ((cur.metadata.finalizers ?? []).length > 0 || podGrace > 0) {
      if (cur.metadata.deletionTimestamp) return cur;
      const next = structuredClone(cur);
      next.metadata.deletionTimestamp = new Date(Date.now() + podGrace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (r.plural === 'pods') next.metadata.deletionGracePeriodSeconds = podGrace;
      this.rv++;
      next.metadata.resourceVersion = String(this.rv);
      this.store.get(r.plural)!.set(this.key(r, cur.metadata.namespace, name), next);
      this.record(r, 'MODIFIED', next, cur);
      return next;
    }
    return this.doRemove(r, cur);
  }

  // ---------------------------------------------------------------- watch delivery

  private matches(w: { namespace?: string; labels: LabelSelector; fields: FieldSelector }, o: KubeObject | undefined): boolean {
    if (!o) return false;
    if (w.namespace !== undefined && o.metadata.namespace !== w.namespace) return false;
    return w.labels.matches(o.metadata.labels) && w.fields.matches(o);
  }

  private deliver(w: Watcher, ev: HistoryEvent): void {
    if (w.closed) return;
    const now = ev.type === 'DELETED' ? false : this.matches(w, ev.object);
    const before = ev.type === 'ADDED' ? false : this.matches(w, ev.prev ?? ev.object);
    if (ev.type === 'DELETED') {
      if (before) this.writeEvent(w, { type: 'DELETED', object: this.present(w, ev.object) });
      return;
    }
    if (now && before) this.writeEvent(w, { type: 'MODIFIED', object: this.present(w, ev.object) });
    else if (now) this.writeEvent(w, { type: 'ADDED', object: this.present(w, ev.object) });
    else if (before) {
      // Left the selector: DELETED carrying the previous state at the new resourceVersion.
      const prev = structuredClone(ev.prev ?? ev.object);
      prev.metadata.resourceVersion = String(ev.rv);
      this.writeEvent(w, { type: 'DELETED', object: this.present(w, prev) });
    }
  }

  private present(w: Watcher, o: KubeObject): unknown {
    return w.table ? this.table(w.resource, [o], true) : o;
  }

  private writeEvent(w: Watcher, ev: { type: string; object: unknown }): void {
    if (w.closed) return;
    const line = `${JSON.stringify(ev)}\n`;
    if (w.cutNext) {
      w.res.write(line.slice(0, Math.floor(line.length / 2)));
      this.closeWatcher(w, false, 'cut');
      return;
    }
    w.res.write(line);
  }

  private sendBookmark(w: Watcher): void {
    if (!w.timers.length) return; // bookmarks not requested
    this.writeEvent(w, {
      type: 'BOOKMARK',
      object: { kind: w.resource.kind, apiVersion: groupVersion(w.resource), metadata: { resourceVersion: String(this.rv) } },
    });
  }

  private closeWatcher(w: Watcher, hard: boolean, how?: 'cut'): void {
    if (w.closed) return;
    w.closed = true;
    for (const t of w.timers) clearInterval(t);
    this.watchers.delete(w);
    // A cut lets the half-written event leave before the connection drops.
    if (how === 'cut') setImmediate(() => w.res.destroy());
    else if (hard) w.res.destroy();
    else w.res.end();
  }

  // ---------------------------------------------------------------- HTTP

  private sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v); // kept for the request log
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
  }

  private sendStatus(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
    this.sendJson(res, code, this.statusBody(code, reason, message, details));
  }

  private async delay(info: RequestInfo): Promise<void> {
    let ms = 0;
    for (const l of this.latencies) if (!l.match || l.match(info)) ms += l.minMs + (l.maxMs - l.minMs) * l.random();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** Answers the request with an injected error status when a rule picks it. */
  private injectedFault(info: RequestInfo, res: ServerResponse): boolean {
    for (const rule of this.errorInjections) {
      if (rule.match && !rule.match(info)) continue;
      if (rule.random() >= rule.rate) continue;
      const statuses = rule.statuses ?? [500, 503, 429];
      const status = statuses[Math.floor(rule.random() * statuses.length)]!;
      const { reason, message } = FAULT_STATUS[status] ?? { reason: 'InternalError', message: 'injected fault' };
      const after = rule.retryAfterSeconds ?? 1;
      const withRetry = after > 0 && (status === 429 || status === 503);
      const body = this.statusBody(status, reason, message, withRetry ? { retryAfterSeconds: after } : undefined);
      this.sendJson(res, status, body, withRetry ? { 'Retry-After': String(after) } : {});
      return true;
    }
    return false;
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private bump(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams.entries());
    const method = (req.method ?? 'GET').toUpperCase();
    const rec: RequestRecord = {
      time: Date.now(), method, path: url.pathname, query, watch: query.watch === 'true' || query.watch === '1',
      status: 0, userAgent: String(req.headers['user-agent'] ?? ''), at: performance.now(),
      client: String(req.headers.authorization ?? '').replace(/^Bearer /, ''),
    };
    res.on('finish', () => {
      rec.status = res.statusCode;
      const ra = res.getHeader('retry-after');
      if (ra !== undefined) rec.retryAfter = String(ra);
      this.statusCounts.set(res.statusCode, (this.statusCounts.get(res.statusCode) ?? 0) + 1);
    });
    if (this.opts.recordRequests) this.requests.push(rec);
    const rawBody = method === 'GET' || method === 'HEAD' ? '' : await this.readBody(req);

    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      this.bump(`${method} unauthorized`);
      this.sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (this.inOutage) {
      this.bump(`${method} outage`);
      this.sendStatus(res, this.outage!.status, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      return;
    }
    const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    try {
      if (await this.discovery(parts, req, res)) return;
      const route = this.route(parts);
      if (!route) {
        this.sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
        return;
      }
      Object.assign(rec, { resource: route.resource.plural, namespace: route.namespace, name: route.name, subresource: route.subresource });
      const info: RequestInfo = {
        method, path: url.pathname, query, resource: route.resource, namespace: route.namespace, name: route.name,
        subresource: route.subresource, watch: rec.watch,
      };
      let body: unknown;
      if (rawBody !== '') {
        const ct = String(req.headers['content-type'] ?? 'application/json');
        if (ct.startsWith('application/apply-patch')) {
          throw new HttpError(415, 'UnsupportedMediaType', 'the test API server does not implement server-side apply');
        }
        try {
          body = JSON.parse(rawBody);
        } catch {
          throw new HttpError(400, 'BadRequest', 'the request body is not valid JSON');
        }
        info.body = body;
      }
      const verb = rec.watch ? 'WATCH' : method === 'GET' && !route.name ? 'LIST' : method;
      this.bump(`${verb} ${route.resource.plural}${route.subresource ? `/${route.subresource}` : ''}`);
      await this.delay(info);
      if (this.injectedFault(info, res)) return;
      for (const hook of this.hooks) {
        const out = await hook(info);
        if (out) {
          this.sendStatus(res, out.status, out.reason ?? (out.status >= 500 ? 'InternalError' : 'BadRequest'), out.message ?? 'injected by a test hook');
          return;
        }
      }
      await this.serve(route, method, query, body, req, res);
    } catch (err) {
      if (err instanceof HttpError) this.sendStatus(res, err.status, err.reason, err.message, err.details);
      else if (err instanceof SelectorError) this.sendStatus(res, 400, 'BadRequest', err.message);
      else if (err instanceof PatchError) this.sendStatus(res, 422, 'Invalid', err.message);
      else throw err;
    }
  }

  private route(parts: string[]):
    | { resource: ResourceType; namespace?: string; name?: string; subresource?: string }
    | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      group = '';
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else {
      return undefined;
    }
    const find = (plural: string) => this.resources.find((r) => r.group === group && r.version === version && r.plural === plural);
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const r = find(rest[2]!);
      if (!r || !r.namespaced || rest.length > 5) return undefined;
      return { resource: r, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const r = find(rest[0]!);
    if (!r || rest.length > 3) return undefined;
    if (r.namespaced && rest.length > 1) return undefined;
    return { resource: r, name: rest[1], subresource: rest[2] };
  }

  private async serve(
    route: { resource: ResourceType; namespace?: string; name?: string; subresource?: string },
    method: string,
    query: Record<string, string>,
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const r = route.resource;
    if (route.subresource && route.subresource !== 'status') {
      throw new HttpError(404, 'NotFound', `the server could not find the requested resource (${r.plural}/${route.subresource})`);
    }
    if (route.subresource === 'status' && !r.statusSubresource) {
      throw new HttpError(404, 'NotFound', `${r.plural} has no status subresource`);
    }
    const wantsTable = /as=Table/.test(String(req.headers.accept ?? ''));
    if (!route.name) {
      if (method === 'GET' && (query.watch === 'true' || query.watch === '1')) return this.serveWatch(r, route.namespace, query, wantsTable, res);
      if (method === 'GET') return this.serveList(r, route.namespace, query, wantsTable, res);
      if (method === 'POST') {
        if (query.dryRun) throw new HttpError(400, 'BadRequest', 'dryRun is not supported by the test API server');
        const created = this.doCreate(r, route.namespace, body as KubeObject, { keepStatus: false });
        return this.sendJson(res, 201, created);
      }
      if (method === 'DELETE') throw new HttpError(405, 'MethodNotAllowed', 'deletecollection is not supported by the test API server');
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on a collection`);
    }
    const name = route.name;
    const statusOnly = route.subresource === 'status';
    switch (method) {
      case 'GET': {
        const o = this.mustGet(r, route.namespace, name);
        return wantsTable ? this.sendJson(res, 200, this.table(r, [o], false)) : this.sendJson(res, 200, o);
      }
      case 'PUT': {
        const input = body as KubeObject;
        if (!input?.metadata) throw new HttpError(400, 'BadRequest', 'the object has no metadata');
        if (input.metadata.name !== name) {
          throw new HttpError(400, 'BadRequest', `the name of the object (${String(input.metadata.name)}) does not match the name on the URL (${name})`);
        }
        if (r.namespaced && input.metadata.namespace && input.metadata.namespace !== route.namespace) {
          throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        input.metadata.namespace = route.namespace;
        const updated = this.doUpdate(r, input, { statusOnly, keepStatus: false });
        return this.sendJson(res, 200, updated);
      }
      case 'PATCH': {
        const ct = String(req.headers['content-type'] ?? '');
        const cur = this.mustGet(r, route.namespace, name);
        let patched: KubeObject;
        if (ct.startsWith('application/merge-patch+json')) patched = mergePatch(cur, body) as KubeObject;
        else if (ct.startsWith('application/json-patch+json')) patched = jsonPatch(cur, body) as KubeObject;
        else if (ct.startsWith('application/strategic-merge-patch+json')) {
          if (r.custom) throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
          // Simplification: read as a merge patch (lists replace instead of merging by key).
          patched = mergePatch(cur, body) as KubeObject;
        } else throw new HttpError(415, 'UnsupportedMediaType', `unsupported patch content type "${ct}"`);
        const patchRv = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
        patched.metadata = { ...(patched.metadata ?? {}), resourceVersion: patchRv ?? cur.metadata.resourceVersion };
        const updated = this.doUpdate(r, patched, { statusOnly, keepStatus: statusOnly });
        return this.sendJson(res, 200, updated);
      }
      case 'DELETE': {
        const out = this.doDelete(r, route.namespace, name, body as Record<string, unknown> | undefined, query);
        return this.sendJson(res, 200, out);
      }
      default:
        throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed`);
    }
  }

  private selectors(r: ResourceType, namespace: string | undefined, query: Record<string, string>) {
    return {
      namespace,
      labels: parseLabelSelector(query.labelSelector),
      fields: parseFieldSelector(query.fieldSelector, r.fieldLabels),
    };
  }

  private serveList(r: ResourceType, namespace: string | undefined, query: Record<string, string>, table: boolean, res: ServerResponse): void {
    const sel = this.selectors(r, namespace, query);
    if (query.resourceVersionMatch === 'Exact' && query.resourceVersion !== String(this.rv)) {
      throw new HttpError(410, 'Expired', `too old resource version: ${query.resourceVersion} (${this.rv})`);
    }
    let items = [...this.store.get(r.plural)!.entries()]
      .filter(([, o]) => this.matches(sel, o))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let cont: string | undefined;
    if (query.continue) {
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(query.continue, 'base64url').toString('utf8')) as { rv: number; start: string };
      } catch {
        throw new HttpError(400, 'BadRequest', 'invalid continue token');
      }
      if (token.rv < this.compactedRv) {
        throw new HttpError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.');
      }
      items = items.filter(([k]) => k > token.start);
    }
    const limit = query.limit ? Number(query.limit) : 0;
    let remaining: number | undefined;
    if (limit > 0 && items.length > limit) {
      remaining = items.length - limit;
      items = items.slice(0, limit);
      cont = Buffer.from(JSON.stringify({ rv: this.rv, start: items[items.length - 1]![0] })).toString('base64url');
    }
    const objs = items.map(([, o]) => o);
    if (table) {
      const t = this.table(r, objs, false) as { metadata: Record<string, unknown> };
      t.metadata = { resourceVersion: String(this.rv), ...(cont ? { continue: cont, remainingItemCount: remaining } : {}) };
      return this.sendJson(res, 200, t);
    }
    this.sendJson(res, 200, {
      kind: `${r.kind}List`,
      apiVersion: groupVersion(r),
      metadata: { resourceVersion: String(this.rv), ...(cont ? { continue: cont, remainingItemCount: remaining } : {}) },
      items: objs,
    });
  }

  private serveWatch(r: ResourceType, namespace: string | undefined, query: Record<string, string>, table: boolean, res: ServerResponse): void {
    const sel = this.selectors(r, namespace, query);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
    // Clients wait for the headers before they consider the watch open.
    res.flushHeaders();
    const w: Watcher = { resource: r, ...sel, res, table, timers: [], closed: false };
    this.watchers.add(w);
    res.on('close', () => this.closeWatcher(w, false));
    const rvText = query.resourceVersion ?? '';
    if (rvText === '' || rvText === '0') {
      // No version: the current state as synthetic ADDED events, then changes.
      const objs = [...this.store.get(r.plural)!.values()].filter((o) => this.matches(w, o));
      for (const o of objs) this.writeEvent(w, { type: 'ADDED', object: this.present(w, o) });
    } else {
      const from = Number(rvText);
      if (!Number.isInteger(from) || from < 0) {
        this.writeEvent(w, { type: 'ERROR', object: this.statusBody(400, 'BadRequest', `invalid resource version "${rvText}"`) });
        this.closeWatcher(w, false);
        return;
      }
      if (from < this.compactedRv) {
        this.writeEvent(w, { type: 'ERROR', object: this.statusBody(410, 'Expired', `too old resource version: ${from} (${this.compactedRv + 1})`) });
        this.closeWatcher(w, false);
        return;
      }
      for (const ev of this.history) if (ev.rv > from && ev.resource === r.plural) this.deliver(w, ev);
    }
    if (query.allowWatchBookmarks === 'true') {
      w.timers.push(setInterval(() => this.sendBookmark(w), this.opts.bookmarkIntervalMs));
    }
    if (query.timeoutSeconds) {
      const t = setTimeout(() => this.closeWatcher(w, false), Number(query.timeoutSeconds) * 1000);
      w.timers.push(t);
    }
  }

  // ---------------------------------------------------------------- discovery and tables

  private async discovery(parts: string[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = parts.join('/');
    if (req.method !== 'GET') return false;
    if (path === 'version') {
      const m = /^v(\d+)\.(\d+)/.exec(this.opts.gitVersion);
      this.sendJson(res, 200, {
        major: m?.[1] ?? '1', minor: m?.[2] ?? '32', gitVersion: this.opts.gitVersion, gitCommit: 'test', gitTreeState: 'clean',
        buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64',
      });
      return true;
    }
    if (path === 'healthz' || path === 'readyz' || path === 'livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return true;
    }
    if (path === 'api') {
      this.sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      return true;
    }
    const groups = [...new Set(this.resources.filter((r) => r.group !== '').map((r) => r.group))];
    const groupBody = (g: string) => {
      const versions = [...new Set(this.resources.filter((r) => r.group === g).map((r) => r.version))].map((v) => ({ groupVersion: `${g}/${v}`, version: v }));
      return { name: g, versions, preferredVersion: versions[0] };
    };
    if (path === 'apis') {
      this.sendJson(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupBody) });
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 2 && groups.includes(parts[1]!)) {
      this.sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(parts[1]!) });
      return true;
    }
    const gv = parts[0] === 'api' && parts.length === 2 ? { g: '', v: parts[1]! } : parts[0] === 'apis' && parts.length === 3 ? { g: parts[1]!, v: parts[2]! } : undefined;
    if (gv) {
      const rs = this.resources.filter((r) => r.group === gv.g && r.version === gv.v);
      if (rs.length === 0) return false;
      const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
      this.sendJson(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv.g ? `${gv.g}/${gv.v}` : gv.v,
        resources: rs.flatMap((r) => [
          { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs, ...(r.shortNames.length ? { shortNames: r.shortNames } : {}) },
          ...(r.statusSubresource ? [{ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
        ]),
      });
      return true;
    }
    return false;
  }

  /** meta.k8s.io/v1 Table, as kubectl asks for when it prints. */
  private table(r: ResourceType, objs: KubeObject[], single: boolean): Record<string, unknown> {
    const cols = [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      ...r.columns.map((c) => ({ name: c.name, type: 'string', format: '', description: c.name, priority: 0 })),
      { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
    ];
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: String(this.rv) },
      ...(single ? {} : { columnDefinitions: cols }),
      rows: objs.map((o) => ({
        cells: [o.metadata.name, ...r.columns.map((c) => String(readPath(o, c.path) ?? '')), age(o.metadata.creationTimestamp)],
        object: {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: o.metadata,
        },
      })),
    };
  }

  /** For tests: strip status as the main-resource endpoint would. */
  static withoutStatus = withoutStatus;
}
