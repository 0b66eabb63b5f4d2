// Exponential backoff with jitter, for watch restarts and failed reconciles, and the floor that a
// server's Retry-After puts under it.

export interface Backoff {
  /** The delay before the next attempt (grows with each call until reset). */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

/**
 * "Equal jitter": half the exponential step is fixed, half random, so retries from several
 * replicas spread out while a single client still backs off predictably.
 */
export function exponentialBackoff(baseMs: number, maxMs: number, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next(): number {
      const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
      attempts++;
      return Math.round(step / 2 + (random() * step) / 2);
    },
    reset(): void {
      attempts = 0;
    },
    get attempts(): number {
      return attempts;
    },
  };
}

/**
 * The wait before sending a failed request again: the backoff step, but never less than the
 * server's Retry-After (`retryAfter`, from retryAfterMs), which is cut to `capMs` so a proxy asking
 * for an hour cannot stall the operator that long.
 */
export function retryDelay(backoffMs: number, retryAfter: number | undefined, capMs: number): number {
  return retryAfter === undefined ? backoffMs : Math.max(backoffMs, Math.min(retryAfter, capMs));
}
