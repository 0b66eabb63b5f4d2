// The thin, stateful shell around desiredState/planWrites: level-based and idempotent. Any trigger
// (watch event, resync, leadership, retry) recomputes the desired records from the informer
// caches, compares them with what is published and writes only the difference. Triggers that
// arrive while a pass runs fold into one more pass. A failed pass is retried after a backoff that
// is never shorter than the server's Retry-After, and until then triggers only join that retry:
// otherwise the watch events of whoever makes our writes fail (a writer racing us into 409s, a
// flapping object) would start pass after pass without any backoff. Events are not sent while the
// server's Retry-After runs.
//
// Writes are skipped while this replica is not sure it leads: at the start of a pass or before any
// single write. Every such stretch ends with the elector's onStartedLeading (acquired, re-acquired,
// or renewed only after the renew deadline), and leadershipChanged(true) queues a fresh pass, so
// a skipped write is always redone by the next term.
import type { Logger } from 'pino';
import { isIpv6 } from '../model/net.js';
import { exponentialBackoff, retryDelay, type Backoff } from './backoff.js';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import { desiredState, endpointTargets, planWrites, type Decision, type DesiredState, type DnsEndpointObject, type Finding, type Plan, type Write } from './desired.js';
import type { NodeLike, PodLike } from './facts.js';
import { describeError, retryAfterMs, statusOf, type DnsEndpointClient, type EventRecorder, type InvolvedObject } from './kube.js';
import type { OperatorMetrics } from './metrics.js';
import type { OperatorSettings } from './settings.js';
import type { OperatorTimings } from './timings.js';
import { planDomainWrites, type DomainDesired, type DomainEntry } from './mailu-api/desired.js';

export interface ReconcilerCache {
  pods(): readonly PodLike[];
  nodes(): readonly NodeLike[];
  endpoints(): ReadonlyMap<string, DnsEndpointObject>;
  synced(): boolean;
}

export interface ReconcilerDeps {
  settings: OperatorSettings;
  endpoints: DnsEndpointClient;
  events: EventRecorder;
  cache: ReconcilerCache;
  isLeader: () => boolean;
  log: Logger;
  metrics: OperatorMetrics;
  timings: OperatorTimings;
  clock?: Clock;
  /** One DNSEndpoint per mail domain (mailu-api/): decided from the SPF decision and what is published. */
  domains?: DomainSource;
}

export interface DomainSource {
  decide(spf: Decision, current: ReadonlyMap<string, DnsEndpointObject>): DomainDesired;
  /** Is this name one of the per-domain objects (for logs and metrics)? */
  owns(name: string): boolean;
}

/** What we last wrote, until the watch cache catches up with it. */
type Overlay = { obj: DnsEndpointObject } | { deletedUid: string | undefined };

function rvNumber(o: DnsEndpointObject | undefined): number {
  const n = Number(o?.metadata.resourceVersion);
  return Number.isFinite(n) ? n : -1;
}

function family(t: string): string {
  if (t.startsWith('v=spf1')) return 'txt';
  try {
    return isIpv6(t) ? 'ipv6' : 'ipv4';
  } catch {
    return 'other';
  }
}

/** Record Events a pass sends about single objects before it folds the rest into one. */
export const MAX_RECORD_EVENTS = 10;

export class Reconciler {
  private running?: Promise<void>;
  private dirty = false;
  private freshNext = false;
  private stopped = false;
  private retryTimer?: ClockTimer;
  /** No pass before this (clock time): the retry after a failed pass. */
  private holdUntil = 0;
  /** No Event before this (clock time): the server's Retry-After. */
  private eventsHeldUntil = 0;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly overlay = new Map<string, Overlay>();
  private active = new Map<string, Finding>();
  private pendingEvents = new Set<Promise<void>>();
  /** Record Events of this pass's writes: the first few name their object, the rest are counted. */
  private recordEvents = { sent: 0, folded: 0 };
  private domainEntries: readonly DomainEntry[] = [];
  /** Reconcile passes run (for tests and benchmarks). */
  passes = 0;

  constructor(private readonly d: ReconcilerDeps) {
    this.backoff = exponentialBackoff(d.timings.backoffBaseMs, d.timings.backoffMaxMs);
    this.clock = d.clock ?? systemClock;
  }

  /** True while a failed pass waits for its retry (the retry timer ends it). */
  get held(): boolean {
    return this.clock.now() < this.holdUntil;
  }

  /** Asks for a pass. `fresh` re-reads our DNSEndpoints from the API instead of trusting the cache. */
  trigger(reason: string, opts: { fresh?: boolean } = {}): void {
    if (this.stopped) return;
    if (opts.fresh) this.freshNext = true;
    if (this.held) {
      // The retry timer set with the hold runs the pass; this trigger only adds to it.
      this.d.log.trace({ reason }, 'reconcile deferred to the retry after a failed pass');
      return;
    }
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.d.log.trace({ reason }, 'reconcile triggered');
    this.running = this.loop();
  }

  /** Resolves when no pass is running or queued (and pending events are sent). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
    await Promise.all([...this.pendingEvents]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.retryTimer);
    await this.idle();
  }

  /** A new leader reports current conditions afresh and checks the published objects from the API. */
  leadershipChanged(leading: boolean): void {
    this.active.clear();
    if (leading) this.trigger('became leader', { fresh: true });
  }

  private async loop(): Promise<void> {
    // Let a burst of watch events (e.g. a rollout) land in the caches first.
    await new Promise((r) => setImmediate(r));
    try {
      do {
        this.dirty = false;
        const fresh = this.freshNext;
        this.freshNext = false;
        await this.pass(fresh);
      } while (this.dirty && !this.stopped);
    } finally {
      this.running = undefined;
    }
  }

  /** The address and SPF objects as the API has them now, over the cached view. */
  private async rereadOwn(current: Map<string, DnsEndpointObject>): Promise<Map<string, DnsEndpointObject>> {
    for (const name of [this.d.settings.names.address, this.d.settings.names.spf]) {
      const o = await this.d.endpoints.get(name);
      if (o) current.set(name, o);
      else current.delete(name);
    }
    return current;
  }

  /**
   * Every DNSEndpoint of the namespace as the API has it now: with one object per mail domain,
   * a paged list costs a request or two where a read per object would cost hundreds.
   */
  private async listedView(): Promise<Map<string, DnsEndpointObject>> {
    const view = new Map<string, DnsEndpointObject>();
    let continueToken: string | undefined;
    do {
      const page = await this.d.endpoints.list({ limit: 500, continueToken });
      for (const o of page.items) view.set(o.metadata.name, o);
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return view;
  }

  private currentView(): Map<string, DnsEndpointObject> {
    const view = new Map(this.d.cache.endpoints());
    for (const [name, o] of [...this.overlay]) {
      const cached = view.get(name);
      if ('obj' in o) {
        if (!cached || rvNumber(cached) < rvNumber(o.obj)) view.set(name, o.obj);
        else this.overlay.delete(name);
      } else if (cached && cached.metadata.uid === o.deletedUid) {
        view.delete(name);
      } else {
        this.overlay.delete(name);
      }
    }
    return view;
  }

  private async pass(fresh: boolean): Promise<void> {
    if (!this.d.cache.synced()) {
      if (fresh) this.freshNext = true; // the pass that runs once synced still re-reads
      return;
    }
    const started = process.hrtime.bigint();
    this.passes++;
    const { settings, metrics } = this.d;
    try {
      const desired = desiredState(settings, { pods: [...this.d.cache.pods()], nodes: [...this.d.cache.nodes()] });
      this.observe(desired);
      const leader = this.d.isLeader();
      let current = this.currentView();
      // With per-domain objects a fresh pass lists them all; otherwise two reads are cheaper.
      if (leader && fresh) current = this.domainEntries.length > 0 ? await this.listedView() : await this.rereadOwn(current);
      const domains = this.d.domains?.decide(desired.spf, current);
      this.domainEntries = domains?.entries ?? [];
      const plan = this.planAll(desired, current);
      const findings = [...desired.findings, ...(domains?.findings ?? [])];
      for (const name of plan.foreign) {
        findings.push({
          key: `foreign/${name}`,
          severity: 'error',
          reason: 'ForeignDNSEndpoint',
          message: `DNSEndpoint ${settings.namespace}/${name} exists but is not owned by this operator (labels app.kubernetes.io/managed-by=mailu-k8s, instance=${settings.instance}, component=dns-operator); leaving it untouched`,
        });
      }
      metrics.foreignObjects.set(plan.foreign.length);
      this.report(findings, leader, current);
      if (leader) {
        this.recordEvents = { sent: 0, folded: 0 };
        for (const w of plan.writes) current = await this.execute(w, desired, current);
        this.foldedEventsSummary();
      } else if (plan.writes.length > 0) {
        this.d.log.debug({ writes: plan.writes.length }, 'not (sure to be) the leader: the next term redoes these writes');
      }
      this.publishMetrics(current);
      this.backoff.reset();
      metrics.reconciles.inc({ result: 'ok' });
      metrics.lastSuccess.set(Date.now() / 1000);
    } catch (err) {
      metrics.reconciles.inc({ result: 'error' });
      metrics.errors.inc({ kind: 'reconcile' });
      this.retryAfter(err, 'reconcile failed; retrying with backoff');
    } finally {
      metrics.reconcileDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Schedules the retry pass after a failure: backoff, never sooner than the server's Retry-After. */
  private retryAfter(err: unknown, msg: string): void {
    const wait = retryAfterMs(err);
    const delay = retryDelay(this.backoff.next(), wait, this.d.timings.retryAfterMaxMs);
    this.holdUntil = this.clock.now() + delay;
    if (wait !== undefined) this.eventsHeldUntil = Math.max(this.eventsHeldUntil, this.clock.now() + delay);
    this.d.log.error({ err: describeError(err), retryInMs: delay }, msg);
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(
      () => {
        // The hold ends with this timer, not by the clock: a timer may fire a fraction of a
        // millisecond before its due time by another clock, and a deferred retry would never run.
        this.holdUntil = 0;
        this.trigger('retry', { fresh: true });
      },
      delay,
      'reconcile retry',
    );
  }

  private observe(desired: DesiredState): void {
    const m = this.d.metrics;
    for (const [state, n] of Object.entries(desired.stats.frontPods)) m.frontPods.set({ state }, n);
    m.nodesWithoutExternalIp.set(desired.stats.nodesWithoutExternalIp.length);
    m.keepingStale.set({ record: 'address' }, desired.address.action === 'keep' ? 1 : 0);
    m.keepingStale.set({ record: 'spf' }, desired.spf.action === 'keep' ? 1 : 0);
    if (desired.stats.spf) {
      m.spfValid.set(desired.stats.spf.ok ? 1 : 0);
      m.spfBytes.set(desired.stats.spf.bytes);
      m.spfLookups.set(desired.stats.spf.lookups);
    }
  }

  private publishMetrics(current: ReadonlyMap<string, DnsEndpointObject>): void {
    const { names } = this.d.settings;
    this.d.metrics.setPublished('address', endpointTargets(current.get(names.address)), family);
    this.d.metrics.setPublished('spf', endpointTargets(current.get(names.spf)), family);
  }

  /** The operator's own two objects, then one per mail domain (planned separately, written alike). */
  private planAll(desired: DesiredState, current: ReadonlyMap<string, DnsEndpointObject>): Plan {
    const plan = planWrites(this.d.settings, desired, current);
    if (this.domainEntries.length === 0) return plan;
    const more = planDomainWrites(this.d.settings, this.domainEntries, current);
    return { writes: [...plan.writes, ...more.writes], foreign: [...plan.foreign, ...more.foreign] };
  }

  private recordOf(name: string): string {
    if (this.d.domains?.owns(name)) return 'domain';
    return name === this.d.settings.names.spf ? 'spf' : 'address';
  }

  /**
   * One Event per changed object, up to MAX_RECORD_EVENTS a pass: publishing hundreds of mail
   * domains at once would otherwise send hundreds of Events at the same moment (every change is
   * still logged).
   */
  private recordEventDue(): boolean {
    if (this.recordEvents.sent < MAX_RECORD_EVENTS) {
      this.recordEvents.sent++;
      return true;
    }
    this.recordEvents.folded++;
    return false;
  }

  /** The changes past MAX_RECORD_EVENTS, as one Event on the operator's Deployment. */
  private foldedEventsSummary(): void {
    const { folded } = this.recordEvents;
    if (folded === 0) return;
    const { namespace, names } = this.d.settings;
    this.event({ name: names.lease, namespace, apiVersion: 'apps/v1', kind: 'Deployment' }, 'Normal', 'RecordsChanged', `${folded} more DNSEndpoints changed in this pass; the operator's log names each`);
  }

  private involved(name: string, current: ReadonlyMap<string, DnsEndpointObject>): InvolvedObject {
    const o = current.get(name);
    return { name, namespace: this.d.settings.namespace, uid: o?.metadata.uid, resourceVersion: o?.metadata.resourceVersion };
  }

  /** Logs and (as leader) records an Event once per onset of a condition; logs when it clears. */
  private report(findings: Finding[], leader: boolean, current: ReadonlyMap<string, DnsEndpointObject>): void {
    const next = new Map(findings.map((f) => [f.key, f]));
    const { names } = this.d.settings;
    for (const f of findings) {
      if (this.active.has(f.key)) continue;
      if (!leader) {
        this.d.log.debug({ finding: f.reason }, f.message);
        continue;
      }
      const fields = { finding: f.reason, key: f.key };
      if (f.severity === 'error') this.d.log.error(fields, f.message);
      else if (f.severity === 'warning') this.d.log.warn(fields, f.message);
      else this.d.log.info(fields, f.message);
      const about = f.key.startsWith('spf') || f.key === `foreign/${names.spf}` ? names.spf : names.address;
      this.event(this.involved(about, current), f.severity === 'info' ? 'Normal' : 'Warning', f.reason, f.message);
    }
    for (const [key, f] of this.active) {
      if (!next.has(key) && leader) this.d.log.info({ finding: f.reason, key }, `resolved: ${f.message}`);
    }
    this.active = next;
  }

  private event(involved: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.clock.now() < this.eventsHeldUntil) {
      // Events are best effort: while the server asks to wait, they are dropped (and logged).
      this.d.log.info({ reason, message }, 'Event not recorded: the API server asked to wait (Retry-After)');
      return;
    }
    const p = this.d.events
      .emit(involved, type, reason, message)
      .catch((err: unknown) => {
        this.d.metrics.errors.inc({ kind: 'event' });
        this.d.log.warn({ err: describeError(err), reason }, 'could not record an Event');
        this.holdFor(err);
      })
      .finally(() => this.pendingEvents.delete(p));
    this.pendingEvents.add(p);
  }

  /** An Event refused with Retry-After holds the next Events (they are best effort: no retry). */
  private holdFor(err: unknown): void {
    const wait = retryAfterMs(err);
    if (wait !== undefined) this.eventsHeldUntil = Math.max(this.eventsHeldUntil, this.clock.now() + Math.min(wait, this.d.timings.retryAfterMaxMs));
  }

  private async perform(w: Write): Promise<DnsEndpointObject | undefined> {
    switch (w.op) {
      case 'create':
        return this.d.endpoints.create(w.body);
      case 'update':
        return this.d.endpoints.replace(w.name, w.body);
      case 'delete':
        try {
          await this.d.endpoints.delete(w.name, { uid: w.uid, resourceVersion: w.resourceVersion });
        } catch (err) {
          if (statusOf(err) !== 404) throw err; // already gone is what we wanted
        }
        return undefined;
    }
  }

  /** One write with optimistic concurrency: on 409 (or a vanished object) re-read, re-plan, retry. */
  private async execute(first: Write, desired: DesiredState, current: Map<string, DnsEndpointObject>): Promise<Map<string, DnsEndpointObject>> {
    const { settings, timings, metrics, log } = this.d;
    let w: Write | undefined = first;
    for (let attempt = 0; w; attempt++) {
      // Leadership can end while we work: a replica that is not sure it leads must not write.
      if (!this.d.isLeader()) {
        log.debug({ record: this.recordOf(w.name), op: w.op }, 'not (sure to be) the leader: the next term redoes this write');
        return current;
      }
      try {
        const result = await this.perform(w);
        this.afterWrite(w, result, current);
        return current;
      } catch (err) {
        const code = statusOf(err);
        const stale = code === 409 || (code === 404 && w.op === 'update');
        if (!stale || attempt >= timings.conflictRetries) throw err;
        metrics.errors.inc({ kind: 'conflict' });
        log.info({ record: this.recordOf(w.name), op: w.op, status: code, attempt: attempt + 1 }, 'write raced with another change; re-reading and retrying');
        const fresh = await this.d.endpoints.get(w.name);
        if (fresh) current.set(w.name, fresh);
        else current.delete(w.name);
        this.overlay.delete(w.name);
        const replan = this.planAll(desired, new Map(fresh ? [[w.name, fresh]] : []));
        if (replan.foreign.includes(w.name)) {
          this.report([{ key: `foreign/${w.name}`, severity: 'error', reason: 'ForeignDNSEndpoint', message: `DNSEndpoint ${settings.namespace}/${w.name} is now owned by someone else; leaving it untouched` }], true, current);
          return current;
        }
        w = replan.writes.find((x) => x.name === w!.name);
      }
    }
    return current;
  }

  private afterWrite(w: Write, result: DnsEndpointObject | undefined, current: Map<string, DnsEndpointObject>): void {
    const record = this.recordOf(w.name);
    this.d.metrics.writes.inc({ record, op: w.op });
    if (w.op === 'delete') {
      this.overlay.set(w.name, { deletedUid: w.uid });
      current.delete(w.name);
      this.d.log.info({ record, name: w.name, before: w.before, why: w.why }, 'DNSEndpoint deleted');
      if (this.recordEventDue()) this.event({ name: w.name, namespace: this.d.settings.namespace, uid: w.uid }, 'Normal', 'RecordRemoved', `removed ${record} record (was ${w.before.join(', ') || 'empty'}): ${w.why}`);
      return;
    }
    const obj = result ?? w.body;
    this.overlay.set(w.name, { obj });
    current.set(w.name, obj);
    const before = w.op === 'update' ? w.before : [];
    const changed = before.join(',') !== w.targets.join(',');
    this.d.log.info({ record, name: w.name, op: w.op, before, after: w.targets, resourceVersion: obj.metadata.resourceVersion }, changed ? 'DNSEndpoint targets changed' : 'DNSEndpoint updated');
    if (changed && this.recordEventDue()) {
      this.event(
        this.involved(w.name, current),
        'Normal',
        'TargetsChanged',
        `${record} targets: ${before.join(', ') || '(none)'} -> ${w.targets.join(', ')}`,
      );
    }
  }
}
