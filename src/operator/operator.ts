// The DNS operator assembled: informers (pods of this instance, nodes, DNSEndpoints) feed the
// reconciler; the lease elector decides who writes; the health server exposes probes and metrics.
import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { MailuConfig } from '../config/schema.js';
import { exponentialBackoff } from './backoff.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import type { DnsEndpointObject } from './desired.js';
import type { NodeLike, PodLike } from './facts.js';
import { startHealthServer, type HealthServer } from './health.js';
import { Informer, keepWhole, stripNode, stripPod, type ListPage } from './informers.js';
import { DnsEndpointClient, EventRecorder, type InvolvedObject } from './kube.js';
import { LeaseElector } from './leader.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { MailuApiClient } from './mailu-api/client.js';
import { desiredDomains, domainEndpointName, type DomainCache } from './mailu-api/desired.js';
import { MailuApiMetrics } from './mailu-api/metrics.js';
import { MailuApiPoller } from './mailu-api/poller.js';
import { MAILU_API_TOKEN_ENV, mailuApiUrl } from '../model/mailu-api.js';
import { Reconciler, type DomainSource } from './reconciler.js';
import { DNSENDPOINT_GROUP, DNSENDPOINT_PLURAL, DNSENDPOINT_VERSION, labelSelectorText, settingsFromConfig, type OperatorSettings } from './settings.js';
import { checkLeaseTimings, defaultTimings, failoverBoundMs, type OperatorTimings } from './timings.js';

export interface OperatorOptions {
  config: MailuConfig;
  kubeConfig: k8s.KubeConfig;
  /** Overrides config.namespace (e.g. from the pod's own namespace). */
  namespace?: string;
  /** Lease holder identity; default POD_NAME or host-pid. Must differ between replicas. */
  identity?: string;
  /** Health/metrics port; default dns.operator.metricsPort; 0 picks a free port; null disables the server. */
  metricsPort?: number | null;
  metricsHost?: string;
  logger?: Logger;
  timings?: Partial<OperatorTimings>;
  /** Process metrics (memory, CPU, event loop) in /metrics. */
  defaultMetrics?: boolean;
  /** Time for every wait and timeout (tests pass one they move by hand). */
  clock?: Clock;
  /** Mailu API access (dns.operator.mailuApi); defaults: $MAILU_API_URL or admin's Service, $MAILU_API_TOKEN, the config's interval. */
  mailuApi?: { url?: string; token?: string; intervalMs?: number; timeoutMs?: number; maxDkimPerPoll?: number };
}

export class Operator {
  readonly settings: OperatorSettings;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  readonly timings: OperatorTimings;
  readonly identity: string;
  readonly reconciler: Reconciler;
  private readonly informers: { pods: Informer; nodes: Informer; endpoints: Informer };
  private readonly elector: LeaseElector;
  /** Reads Mailu's domains (dns.operator.mailuApi with a token); undefined otherwise. */
  readonly mailuApi?: MailuApiPoller;
  private readonly mailuApiClient?: MailuApiClient;
  private health?: HealthServer;
  private resyncTimer?: ClockTimer;
  private readonly clock: Clock;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(private readonly opts: OperatorOptions) {
    const base = settingsFromConfig(opts.config);
    this.settings = { ...base, namespace: opts.namespace ?? base.namespace };
    this.timings = { ...defaultTimings(opts.config), ...(opts.timings ?? {}) };
    checkLeaseTimings(this.timings);
    this.clock = opts.clock ?? systemClock;
    const clock = this.clock;
    this.identity = opts.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
    this.log = (opts.logger ?? createLogger()).child({ instance: this.settings.instance, namespace: this.settings.namespace, identity: this.identity });
    this.metrics = new OperatorMetrics({ defaultMetrics: opts.defaultMetrics });
    const kc = opts.kubeConfig;
    const ns = this.settings.namespace;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const endpoints = new DnsEndpointClient(kc, ns);
    const podSelector = labelSelectorText(this.settings.podSelector);
    const backoff = () => exponentialBackoff(this.timings.backoffBaseMs, this.timings.backoffMaxMs);
    const deps = () => ({
      log: this.log,
      metrics: this.metrics,
      backoff: backoff(),
      onChange: (r: string) => this.reconciler.trigger(`${r} changed`),
      clock,
      retryAfterMaxMs: this.timings.retryAfterMaxMs,
    });
    this.informers = {
      pods: new Informer(
        kc,
        {
          resource: 'pods',
          path: `/api/v1/namespaces/${ns}/pods`,
          labelSelector: podSelector,
          strip: stripPod,
          list: (p) => core.listNamespacedPod({ namespace: ns, labelSelector: podSelector, limit: p.limit, _continue: p.continueToken }),
        },
        deps(),
      ),
      nodes: new Informer(
        kc,
        { resource: 'nodes', path: '/api/v1/nodes', strip: stripNode, list: (p) => core.listNode({ limit: p.limit, _continue: p.continueToken }) },
        deps(),
      ),
      endpoints: new Informer(
        kc,
        {
          resource: 'dnsendpoints',
          path: `/apis/${DNSENDPOINT_GROUP}/${DNSENDPOINT_VERSION}/namespaces/${ns}/${DNSENDPOINT_PLURAL}`,
          strip: keepWhole,
          list: (p) => endpoints.list(p) as Promise<ListPage>,
        },
        deps(),
      ),
    };
    const { pods, nodes, endpoints: eps } = this.informers;
    const events = new EventRecorder(kc, ns, 'mailu-k8s-dns-operator', this.identity);
    const api = this.mailuApiParts(events);
    this.mailuApi = api.poller;
    this.mailuApiClient = api.client;
    this.reconciler = new Reconciler({
      settings: this.settings,
      endpoints,
      events,
      domains: api.domains,
      cache: {
        pods: () => pods.list() as readonly PodLike[],
        nodes: () => nodes.list() as readonly NodeLike[],
        endpoints: () => new Map((eps.list() as readonly DnsEndpointObject[]).map((o) => [o.metadata.name, o])),
        synced: () => pods.synced && nodes.synced && eps.synced,
      },
      isLeader: () => this.elector.isLeader,
      log: this.log,
      metrics: this.metrics,
      timings: this.timings,
      clock,
    });
    this.elector = new LeaseElector(kc, {
      namespace: ns,
      name: this.settings.names.lease,
      identity: this.identity,
      leaseDurationMs: this.timings.leaseDurationMs,
      renewDeadlineMs: this.timings.renewDeadlineMs,
      retryPeriodMs: this.timings.retryPeriodMs,
      retryJitter: this.timings.retryJitter,
      retryAfterMaxMs: this.timings.retryAfterMaxMs,
      clock,
      log: this.log,
      onStartedLeading: () => {
        this.metrics.leader.set(1);
        this.mailuApi?.leadershipChanged(true);
        this.reconciler.leadershipChanged(true);
      },
      onStoppedLeading: () => {
        this.metrics.leader.set(0);
        this.mailuApi?.leadershipChanged(false);
        this.reconciler.leadershipChanged(false);
      },
      onError: () => this.metrics.errors.inc({ kind: 'lease' }),
    });
  }

  /** The per-domain DNSEndpoints and, with dns.operator.mailuApi, the poller feeding them. */
  private mailuApiParts(events: EventRecorder): { poller?: MailuApiPoller; client?: MailuApiClient; domains: DomainSource } {
    const { config } = this.opts;
    const cfg = config.dns.operator.mailuApi;
    const o = this.opts.mailuApi ?? {};
    const ns = this.settings.namespace;
    const apiMetrics = new MailuApiMetrics(this.metrics.registry);
    const emit = (about: InvolvedObject | 'operator', type: 'Normal' | 'Warning', reason: string, message: string) => {
      const involved = about === 'operator' ? { name: this.settings.names.lease, namespace: ns, apiVersion: 'apps/v1', kind: 'Deployment' } : about;
      events.emit(involved, type, reason, message).catch(() => this.metrics.errors.inc({ kind: 'event' }));
    };
    let poller: MailuApiPoller | undefined;
    let client: MailuApiClient | undefined;
    const token = o.token ?? process.env[MAILU_API_TOKEN_ENV] ?? '';
    if (cfg.enabled && token === '') {
      this.log.error(`dns.operator.mailuApi is on but ${MAILU_API_TOKEN_ENV} is empty: Mailu's domains are not read; published per-domain records are left as they are`);
    } else if (cfg.enabled) {
      const timeoutMs = o.timeoutMs ?? cfg.timeoutSeconds * 1000;
      client = new MailuApiClient({ baseUrl: o.url ?? process.env.MAILU_API_URL ?? mailuApiUrl(config), token, timeoutMs, clock: this.clock, onRequest: (route, code) => apiMetrics.requests.inc({ route, code: String(code) }) });
      poller = new MailuApiPoller({
        client,
        intervalMs: o.intervalMs ?? cfg.intervalSeconds * 1000,
        backoffBaseMs: this.timings.backoffBaseMs * 4,
        retryAfterMaxMs: this.timings.retryAfterMaxMs,
        selector: config.dns.dkim.selector,
        generateDkim: cfg.generateDkim,
        maxDkimPerPoll: o.maxDkimPerPoll,
        isLeader: () => this.elector.isLeader,
        onChange: () => this.reconciler.trigger('Mailu API changed'),
        event: emit,
        endpointName: (d) => domainEndpointName(this.settings.instance, d),
        namespace: ns,
        clock: this.clock,
        log: this.log.child({ source: 'mailu-api' }),
        metrics: apiMetrics,
      });
    }
    const cache: DomainCache = new Map();
    const prefix = `${this.settings.instance}-domain-`;
    const domains: DomainSource = {
      decide: (spf, current) => {
        const out = desiredDomains({ config, settings: this.settings, snapshot: poller?.snapshot, apiEnabled: cfg.enabled, spf, liveSpf: this.settings.spf.managed, current, cache });
        for (const [kind, n] of Object.entries(out.counts)) apiMetrics.endpoints.set({ kind }, n);
        return out;
      },
      owns: (name) => name.startsWith(prefix),
    };
    return { poller, client, domains };
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  get ready(): boolean {
    return this.state === 'running' && Object.values(this.informers).every((i) => i.synced);
  }

  /** Port of the health/metrics server (useful when started on port 0). */
  get port(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('operator already started');
    this.state = 'running';
    const port = this.opts.metricsPort === undefined ? this.opts.config.dns.operator.metricsPort : this.opts.metricsPort;
    if (port !== null) {
      this.health = await startHealthServer({ host: this.opts.metricsHost ?? '0.0.0.0', port, ready: () => this.ready, registry: this.metrics.registry });
    }
    const s = this.settings;
    this.log.info(
      {
        address: s.manageAddress ? { name: s.names.address, hostnames: s.hostnames, ttl: s.ttl, onNoReadyPod: s.onNoReadyPod } : 'not managed',
        spf: s.spf.managed ? { name: s.names.spf, mode: s.spf.source.mode } : 'not managed',
        lease: s.names.lease,
        failoverBoundMs: failoverBoundMs(this.timings),
        healthPort: this.health?.port,
      },
      'DNS operator starting',
    );
    for (const i of Object.values(this.informers)) i.start();
    // The initial lists (every node of the cluster) are the largest allocations the operator ever
    // makes; one full collection once they are cached lets the heap shrink back (the chart runs
    // node with --expose-gc; without it this is a no-op).
    void this.whenSynced().then((ok) => {
      if (ok) (globalThis as { gc?: () => void }).gc?.();
    });
    this.elector.start();
    this.mailuApi?.start();
    const resync = () => {
      this.resyncTimer = this.clock.setTimeout(
        () => {
          this.reconciler.trigger('periodic resync', { fresh: true });
          resync();
        },
        this.timings.resyncMs,
        'resync',
      );
    };
    resync();
  }

  /** Waits until all caches are synced (or the timeout passes). */
  async whenSynced(timeoutMs = 30_000): Promise<boolean> {
    const all = Promise.all(Object.values(this.informers).map((i) => i.whenSynced())).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const res = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return res;
  }

  /** Graceful stop: no new passes, finish the running one, release the lease, close the server. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.clock.clearTimeout(this.resyncTimer);
    const work = (async () => {
      await Promise.all(Object.values(this.informers).map((i) => i.stop()));
      await this.mailuApi?.stop();
      this.mailuApiClient?.close();
      await this.reconciler.stop();
      await this.elector.stop({ release: opts.release });
    })();
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((r) => (timer = setTimeout(r, this.timings.shutdownMs)));
    await Promise.race([work, bounded]);
    clearTimeout(timer);
    this.metrics.leader.set(0);
    await this.health?.close();
    this.state = 'stopped';
    this.log.info('DNS operator stopped');
  }

  /** For tests: resolves when no reconcile pass is running or queued. */
  idle(): Promise<void> {
    return this.reconciler.idle();
  }
}
