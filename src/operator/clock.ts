// The operator's sense of time: every decision that depends on how long something took (lease
// expiry, renew deadline, Retry-After, backoff, resync) reads and schedules through one Clock, so
// tests can stop time, move it by hand and see exactly which waits are pending.

export interface ClockTimer {
  /** What the timer is for (shown by test clocks; ignored by the system clock). */
  readonly what: string;
}

export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  setTimeout(fn: () => void, ms: number, what: string): ClockTimer;
  clearTimeout(timer: ClockTimer | undefined): void;
}

class SystemTimer implements ClockTimer {
  constructor(
    readonly what: string,
    readonly handle: NodeJS.Timeout,
  ) {}
}

/**
 * Wall time at start, then monotonic: a step of the system clock (NTP, a suspended VM) must not
 * make a lease look expired or a renewal look late.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms, what) => new SystemTimer(what, setTimeout(fn, ms)),
  clearTimeout: (timer) => {
    if (timer instanceof SystemTimer) clearTimeout(timer.handle);
  },
};
