// Leader election on a coordination.k8s.io/v1 Lease (client-node has none built in). No replica
// trusts another's clock: times in the Lease are for people; decisions use our own clock.
//
// - The leader renews every retryPeriod and counts as leader only while its last renewal was
//   *sent* less than renewDeadline ago. Every stretch in which it was unsure (a renewal late, lost
//   or regained) ends with onStartedLeading, so the reconciler redoes what it skipped meanwhile.
//   It renews by updating the Lease it wrote last (client-go's fast path): one request, not two,
//   which keeps renewals in time on a slow API server; a 409 sends it back to read first.
// - A standby reads the Lease every retryPeriod × (1 + u × retryJitter). When it sees a new
//   renewal, that renewal happened after its previous read was served, so it dates the renewal to
//   the start of that read (but never more than one jittered period before the current read). It
//   takes over once the Lease has not changed for leaseDuration since then: at exactly that moment,
//   not at its next poll, it updates the version it read (a change meanwhile makes that a 409). So
//   after a crash it acquires within leaseDuration (+ one request) of the last renewal, and
//   publishes within leaseDuration + retryPeriod × (1 + retryJitter): the jittered period is the
//   reserve for the takeover's own requests. Dating renewals early shortens the wait by at most
//   one jittered period, which is why the operator requires renewDeadline + retryPeriod ×
//   (1 + retryJitter) < leaseDuration (checkLeaseTimings): the leader has stopped writing before
//   anyone may take over.
// - Updates carry the resourceVersion: of two racing replicas, one gets 409.
// - Retry-After (429/5xx) delays a standby's next read (up to retryAfterMaxMs). The leader waits it
//   out only while that leaves one retry period before its renew deadline: giving up the lease to
//   back-pressure would stop all writes and make a standby take over, re-list and re-read
//   everything, which costs the server far more than one small renewal every retry period.
// - On a graceful stop the leader empties the holder, and a standby takes over at its next read.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { systemClock, type Clock, type ClockTimer } from './clock.js';
import { describeError, retryAfterMs, statusOf } from './kube.js';

export interface ElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  retryJitter: number;
  retryAfterMaxMs: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
  clock?: Clock;
  random?: () => number;
}

interface Observed {
  holder: string;
  renewTime: string;
  resourceVersion: string;
}

function microTime(ms: number): k8s.V1MicroTime {
  return new k8s.V1MicroTime(ms);
}

function timeText(t: unknown): string {
  return t instanceof Date ? t.toISOString() : String(t ?? '');
}

function observedOf(lease: k8s.V1Lease): Observed {
  return {
    holder: lease.spec?.holderIdentity ?? '',
    renewTime: timeText(lease.spec?.renewTime),
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

export class LeaseElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly clock: Clock;
  private readonly random: () => number;
  private timer?: ClockTimer;
  private running = false;
  private leading = false;
  /** When our last successful renewal was sent (our clock). */
  private lastRenew = 0;
  /** The Lease as we last wrote it: the leader renews it without reading first. */
  private written?: k8s.V1Lease;
  private observed?: Observed;
  /** The Lease as last read or written: a standby takes an expired one over by updating it. */
  private seen?: k8s.V1Lease;
  /** The earliest moment the observed version can have been written (our clock). */
  private observedSince = 0;
  /** Start of our last successful read of the Lease. */
  private lastReadAt?: number;
  private tick?: Promise<void>;

  constructor(
    kc: k8s.KubeConfig,
    private readonly o: ElectorOptions,
  ) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? Math.random;
  }

  /** True only while the lease is ours and our last renewal was sent within the renew deadline. */
  get isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenew < this.o.renewDeadlineMs;
  }

  /** Who holds the lease as this replica last saw it ('' when free or never read). */
  get holder(): string {
    return this.observed?.holder ?? '';
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    this.clock.clearTimeout(this.timer);
    await this.tick?.catch(() => undefined);
    if (this.leading) {
      if (opts.release !== false) await this.release();
      this.setLeading(false, 'stepped down: this replica stops writing');
    }
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.tick = this.step().then((next) => {
          this.tick = undefined;
          this.schedule(next);
        });
      },
      delay,
      `lease ${this.o.identity}`,
    );
  }

  private setLeading(v: boolean, why: string): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) {
      this.o.log.info({ lease: this.o.name }, why);
      this.o.onStartedLeading();
    } else {
      if (why.startsWith('stepped down')) this.o.log.info({ lease: this.o.name }, why);
      else this.o.log.warn({ lease: this.o.name }, why);
      this.o.onStoppedLeading();
    }
  }

  /** One read-or-renew round; resolves with the delay before the next. Never rejects. */
  private async step(): Promise<number> {
    const started = this.clock.now();
    try {
      if (await this.tryAcquireOrRenew(started)) this.renewed(started);
      else this.checkDeadline();
      return this.nextDelay(undefined);
    } catch (err) {
      this.o.onError?.(err);
      this.o.log.warn({ err: describeError(err), lease: this.o.name }, 'lease request failed');
      this.checkDeadline();
      return this.nextDelay(err);
    }
  }

  private renewed(sentAt: number): void {
    // A renewal that completes after the renew deadline ends a stretch in which isLeader was
    // already false, so passes in it skipped their writes: report a lost and regained lease, and
    // the new term's fresh pass redoes them.
    if (this.leading && this.clock.now() - this.lastRenew >= this.o.renewDeadlineMs) {
      this.setLeading(false, `renewed the lease only after the renew deadline (${this.o.renewDeadlineMs} ms): writes paused meanwhile`);
    }
    this.lastRenew = sentAt;
    this.setLeading(true, 'acquired the lease: this replica now writes');
  }

  private checkDeadline(): void {
    if (this.leading && this.clock.now() - this.lastRenew >= this.o.renewDeadlineMs) {
      this.setLeading(false, `could not renew the lease for ${this.o.renewDeadlineMs} ms: this replica stops writing`);
    }
  }

  private nextDelay(err: unknown): number {
    const { retryPeriodMs: period, renewDeadlineMs: deadline, retryAfterMaxMs: cap } = this.o;
    const wait = err === undefined ? undefined : retryAfterMs(err);
    const now = this.clock.now();
    if (this.leading) {
      if (wait === undefined) return period;
      return Math.max(period, Math.min(wait, cap, this.lastRenew + deadline - period - now));
    }
    const jittered = period * (1 + this.random() * this.o.retryJitter);
    if (wait !== undefined) return Math.max(jittered, Math.min(wait, cap));
    // After a failed request, the next poll; never the expiry shortcut (a hot loop once it passed).
    if (err !== undefined) return jittered;
    const expiry = this.expiresAt();
    return expiry === undefined ? jittered : Math.min(jittered, Math.max(0, expiry - now));
  }

  /** When the lease held by someone else may be taken, or undefined when it is not held by another. */
  private expiresAt(): number | undefined {
    const holder = this.observed?.holder ?? '';
    return holder !== '' && holder !== this.o.identity ? this.observedSince + this.o.leaseDurationMs : undefined;
  }

  /** Notes what a read returned and dates a new version (see the header). */
  private observe(lease: k8s.V1Lease, readAt: number): void {
    this.seen = lease;
    const seen = observedOf(lease);
    const o = this.observed;
    if (!o || o.holder !== seen.holder || o.renewTime !== seen.renewTime || o.resourceVersion !== seen.resourceVersion) {
      const floor = readAt - this.o.retryPeriodMs * (1 + this.o.retryJitter);
      this.observedSince = this.lastReadAt === undefined ? readAt : Math.max(this.lastReadAt, floor);
      if (seen.holder !== '' && seen.holder !== this.o.identity && seen.holder !== o?.holder) {
        this.o.log.info({ lease: this.o.name, holder: seen.holder }, 'standing by: the lease is held by another replica');
      }
      this.observed = seen;
    }
    this.lastReadAt = readAt;
  }

  private leaseBody(prev: k8s.V1Lease | undefined, now: number): k8s.V1Lease {
    const spec = prev?.spec ?? {};
    const wasMine = spec.holderIdentity === this.o.identity;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(prev?.metadata ?? {}), name: this.o.name, namespace: this.o.namespace },
      spec: {
        holderIdentity: this.o.identity,
        // The object holds whole seconds (kubectl shows it); replicas decide with their own setting.
        leaseDurationSeconds: Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000)),
        acquireTime: wasMine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: prev ? (spec.leaseTransitions ?? 0) + (wasMine ? 0 : 1) : 0,
      },
    };
  }

  /** Writes our lease over `prev`; false when someone else changed it first (409). */
  private async write(prev: k8s.V1Lease, now: number): Promise<boolean> {
    try {
      this.written = await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: this.leaseBody(prev, now) });
      this.observe(this.written, now);
      return true;
    } catch (err) {
      this.written = undefined;
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  private async read(): Promise<k8s.V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    if (this.leading && this.written && (await this.write(this.written, now))) return true;
    // A standby whose observed lease has run out updates the version it read, without reading it
    // again: one request less on the way to failover, and a change since makes this a 409.
    const expiry = this.expiresAt();
    if (!this.leading && this.seen && expiry !== undefined && now >= expiry && (await this.write(this.seen, now))) return true;
    const lease = await this.read();
    if (!lease) return this.create(now);
    this.observe(lease, now);
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.o.identity) {
      // Someone else holds it: we are not the leader, whatever our deadline says.
      this.setLeading(false, `the lease is held by ${holder}: this replica stops writing`);
      if (now < this.observedSince + this.o.leaseDurationMs) return false;
    }
    return this.write(lease, now);
  }

  private async create(now: number): Promise<boolean> {
    try {
      this.written = await this.api.createNamespacedLease({ namespace: this.o.namespace, body: this.leaseBody(undefined, now) });
      this.observe(this.written, now);
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false; // someone else created it first
      throw err;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const now = this.clock.now();
      await this.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) } },
      });
      this.o.log.info({ lease: this.o.name }, 'released the lease');
    } catch (err) {
      this.o.log.warn({ err: describeError(err), lease: this.o.name }, 'could not release the lease; standbys take over when it expires');
    }
  }
}
