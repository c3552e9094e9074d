/**
 * Time, injectable. Every timer in the runtime (queue delays, backoff, watchdogs, lease renewals, event
 * aggregation windows) goes through a {@link Clock}, so tests drive time with {@link FakeClock} instead of
 * sleeping.
 */

/** A scheduled callback that can be cancelled. */
export interface Timer {
  /** Prevents the callback from running; harmless after it ran. */
  cancel(): void;
}

/** The source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds (0 or less = as soon as possible). */
  setTimer(ms: number, fn: () => void): Timer;
}

/** The process clock: `Date.now()` and Node timers. Timers are not unref'd: pending work keeps the process up. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Resolves after `ms` on `clock`, or early when `signal` aborts. Resolves `true` when the full time
 * passed and `false` when aborted; never rejects, so callers in loops simply re-check their signal.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets promise chains started by a timer callback run to their next real wait. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A manual clock for tests. Time stands still until {@link FakeClock.advance}, which fires due timers in
 * order of due time (then of creation), letting the promise chains each timer starts run before the next
 * fires, so a timer scheduled from a callback within the advanced span fires too.
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = Date.parse('2024-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer: FakeTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers still waiting to fire. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    return this.earliest()?.at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (see the class comment). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Lets pending promise chains run without moving time. */
  async flush(): Promise<void> {
    await settle();
  }

  private earliest(): FakeTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
