// Leader election on a coordination.k8s.io/v1 Lease (client-node has none built in). The rules
// follow client-go's: a lease held by someone else counts as expired only after it has not
// changed for leaseDuration on *our* clock (no trust in other clocks); the leader renews every
// retryPeriod and steps down when it could not renew for renewDeadline (< leaseDuration), so two
// replicas never both believe they lead; updates carry the resourceVersion, so a race loses
// with 409. On a graceful stop the leader releases the lease and the next replica takes over at
// its next retry instead of waiting for expiry.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, statusOf } from './kube.js';

export interface ElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (err: unknown) => void;
  now?: () => number;
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

export class LeaseElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private running = false;
  private leading = false;
  private lastRenew = 0;
  private observed?: Observed;
  private observedAt = 0;
  private tick?: Promise<void>;

  constructor(
    kc: k8s.KubeConfig,
    private readonly o: ElectorOptions,
  ) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.now = o.now ?? Date.now;
  }

  /** True only while the lease is ours and was renewed within the renew deadline. */
  get isLeader(): boolean {
    return this.leading && this.now() - this.lastRenew < this.o.renewDeadlineMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick?.catch(() => undefined);
    if (this.leading) {
      if (opts.release !== false) await this.release();
      this.setLeading(false, true);
    }
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick = this.step().finally(() => {
        this.tick = undefined;
        // Standbys retry with a little jitter so they do not hit the API in lockstep.
        const jitter = this.leading ? 0 : Math.random() * this.o.retryPeriodMs * 0.2;
        this.schedule(this.o.retryPeriodMs + jitter);
      });
    }, delay);
  }

  private setLeading(v: boolean, released = false): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) {
      this.o.log.info({ lease: this.o.name }, 'acquired the lease: this replica now writes');
      this.o.onStartedLeading();
    } else {
      if (released) this.o.log.info({ lease: this.o.name }, 'stepped down: this replica stops writing');
      else this.o.log.warn({ lease: this.o.name }, `could not renew the lease for ${this.o.renewDeadlineMs} ms: this replica stops writing`);
      this.o.onStoppedLeading();
    }
  }

  private async step(): Promise<void> {
    const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
      this.o.onError?.(err);
      this.o.log.warn({ err: describeError(err), lease: this.o.name }, 'lease request failed');
      return false;
    });
    if (ok) {
      // A renewal after the renew deadline ends a stretch in which isLeader was already false, so
      // passes in it skipped their writes: report it as a lost and regained lease, and the new
      // term's fresh pass redoes them (otherwise they waited for the next resync).
      if (this.leading && this.now() - this.lastRenew >= this.o.renewDeadlineMs) this.setLeading(false);
      this.lastRenew = this.now();
      this.setLeading(true);
    } else if (this.leading && this.now() - this.lastRenew >= this.o.renewDeadlineMs) {
      this.setLeading(false);
    }
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

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    let lease: k8s.V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    if (!lease) {
      try {
        await this.api.createNamespacedLease({ namespace: this.o.namespace, body: this.leaseBody(undefined, now) });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false; // someone else created it first
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    const seen: Observed = {
      holder: spec.holderIdentity ?? '',
      renewTime: timeText(spec.renewTime),
      resourceVersion: lease.metadata?.resourceVersion ?? '',
    };
    if (!this.observed || this.observed.holder !== seen.holder || this.observed.renewTime !== seen.renewTime || this.observed.resourceVersion !== seen.resourceVersion) {
      this.observed = seen;
      this.observedAt = now;
    }
    const heldByOther = seen.holder !== '' && seen.holder !== this.o.identity;
    if (heldByOther && this.observedAt + this.o.leaseDurationMs > now) return false;
    try {
      await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: this.leaseBody(lease, now) });
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false; // lost a race: read again next time
      throw err;
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const now = this.now();
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
