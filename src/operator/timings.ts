// Every duration the operator uses, in one place, so tests can run the same logic on a shorter
// time scale (e.g. a 30 s API outage in 1.5 s) without changing what it does.
import type { MailuConfig } from '../config/schema.js';

export interface OperatorTimings {
  /** Periodic full reconcile (safety net besides the watches). */
  resyncMs: number;
  /** How long a lease stays valid without renewal; failover happens within `failoverBoundMs`. */
  leaseDurationMs: number;
  /** The leader steps down if it could not renew for this long (must be < leaseDurationMs). */
  renewDeadlineMs: number;
  /** How often the leader renews and the others try to acquire. */
  retryPeriodMs: number;
  /** Standbys wait retryPeriodMs × (1 + u × retryJitter), u uniform in [0, 1), so they do not poll in lockstep. */
  retryJitter: number;
  /** Longest Retry-After (429/5xx) waited out; a larger one is cut to this. */
  retryAfterMaxMs: number;
  /** Backoff for watch restarts and failed reconciles. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Re-reads after a 409 before giving up until the next reconcile. */
  conflictRetries: number;
  /** Upper bound for a graceful stop (in-flight reconcile + lease release). */
  shutdownMs: number;
}

export function defaultTimings(config: MailuConfig): OperatorTimings {
  const lease = config.dns.operator.leaseDurationSeconds * 1000;
  return {
    resyncMs: config.dns.operator.resyncSeconds * 1000,
    leaseDurationMs: lease,
    renewDeadlineMs: Math.round((lease * 2) / 3),
    retryPeriodMs: Math.max(100, Math.round(lease / 7.5)),
    retryJitter: 0.2,
    retryAfterMaxMs: 30_000,
    backoffBaseMs: 250,
    backoffMaxMs: 15_000,
    conflictRetries: 5,
    shutdownMs: 5_000,
  };
}

/** The same timings on a different clock speed (0.05 = twenty times faster). Counts stay. */
export function scaleTimings(t: OperatorTimings, factor: number): OperatorTimings {
  const s = (ms: number) => Math.max(1, Math.round(ms * factor));
  return {
    resyncMs: s(t.resyncMs),
    leaseDurationMs: s(t.leaseDurationMs),
    renewDeadlineMs: s(t.renewDeadlineMs),
    retryPeriodMs: s(t.retryPeriodMs),
    retryJitter: t.retryJitter,
    // The server states Retry-After in its own seconds, whatever clock speed we run at.
    retryAfterMaxMs: t.retryAfterMaxMs,
    backoffBaseMs: s(t.backoffBaseMs),
    backoffMaxMs: s(t.backoffMaxMs),
    conflictRetries: t.conflictRetries,
    shutdownMs: s(t.shutdownMs),
  };
}

/**
 * After a crash of the leader, a standby that has read the lease at least twice publishes pending
 * changes within this long of the leader's last renewal (see leader.ts for why it holds).
 */
export function failoverBoundMs(t: Pick<OperatorTimings, 'leaseDurationMs' | 'retryPeriodMs' | 'retryJitter'>): number {
  return t.leaseDurationMs + t.retryPeriodMs * (1 + t.retryJitter);
}

/**
 * The lease rules only keep two replicas from writing at once when the leader gives up (renew
 * deadline) at least one jittered retry period before a standby may take over (lease duration).
 */
export function checkLeaseTimings(t: Pick<OperatorTimings, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'retryJitter'>): void {
  if (!(t.retryJitter >= 0 && t.retryJitter <= 1)) throw new Error(`operator timings: retryJitter (${t.retryJitter}) must be between 0 and 1`);
  const poll = t.retryPeriodMs * (1 + t.retryJitter);
  if (t.renewDeadlineMs + poll >= t.leaseDurationMs) {
    throw new Error(
      `operator timings: renewDeadlineMs (${t.renewDeadlineMs}) + retryPeriodMs × (1 + retryJitter) (${poll}) must be shorter than leaseDurationMs (${t.leaseDurationMs})`,
    );
  }
}
