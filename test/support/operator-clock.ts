// A clock for the operator that only moves when the test says so. Timers fire, in due order,
// inside `advance`; nothing else makes time pass, so "the retry is not sent before Retry-After" or
// "the change is published before the next renewal is due" are checked exactly, not by waiting.
import type { Clock, ClockTimer } from '../../src/operator/clock.js';

export interface PendingTimer extends ClockTimer {
  readonly due: number;
}

interface Entry extends PendingTimer {
  readonly fn: () => void;
  readonly seq: number;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<Entry>();

  /**
   * `earlyByMs` makes timers fall due that much before their delay, as real timers can when read
   * against another clock (libuv's loop time against performance.now()).
   */
  constructor(
    start = Date.now(),
    private readonly earlyByMs = 0,
  ) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number, what: string): ClockTimer {
    const e: Entry = { what, due: this.t + Math.max(0, ms - this.earlyByMs), fn, seq: this.seq++ };
    this.timers.add(e);
    return e;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer) this.timers.delete(timer as Entry);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also those they set). */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves time forward to `target` (exactly), firing every timer due by then. */
  advanceTo(target: number): void {
    if (target < this.t) throw new Error(`ManualClock: cannot go back from ${this.t} to ${target}`);
    for (;;) {
      const next = [...this.timers].filter((e) => e.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = target;
  }

  /** Timers not fired yet, soonest first; `what` filters by the timer's purpose prefix. */
  pending(what?: string): PendingTimer[] {
    return [...this.timers]
      .filter((e) => what === undefined || e.what.startsWith(what))
      .sort((a, b) => a.due - b.due)
      .map(({ what: w, due }) => ({ what: w, due }));
  }

  /** The one pending timer for `what` (fails when there is none or several). */
  timer(what: string): PendingTimer {
    const found = this.pending(what);
    if (found.length !== 1) throw new Error(`expected one pending "${what}" timer, found ${found.length}: ${JSON.stringify(this.pending())}`);
    return found[0]!;
  }
}
