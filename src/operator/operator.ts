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
import { DnsEndpointClient, EventRecorder } from './kube.js';
import { LeaseElector } from './leader.js';
import { createLogger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
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
    this.reconciler = new Reconciler({
      settings: this.settings,
      endpoints,
      events: new EventRecorder(kc, ns, 'mailu-k8s-dns-operator', this.identity),
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
        this.reconciler.leadershipChanged(true);
      },
      onStoppedLeading: () => {
        this.metrics.leader.set(0);
        this.reconciler.leadershipChanged(false);
      },
      onError: () => this.metrics.errors.inc({ kind: 'lease' }),
    });
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
