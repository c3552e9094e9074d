/**
 * Rate limiters for the work queue, after client-go's `workqueue` package: a limiter answers "how long
 * must this key wait before its next attempt?". The controller default combines per-key exponential
 * backoff with a global token bucket and takes the longer of the two waits.
 */
import { InvalidError } from '../errors/index.js';
import { realClock, type Clock } from './clock.js';

/** Decides how long a key waits before being retried. */
export interface RateLimiter {
  /** Records one more failure of `key` and returns the delay in ms before its retry. */
  when(key: string): number;
  /** Clears the failure history of `key` (call after a success, or when giving up). */
  forget(key: string): void;
  /** How many times `key` has been retried since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Throws {@link InvalidError} naming `field` unless `value` is a finite number ≥ `min`. */
export function checkNumber(field: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new InvalidError(`${field} must be a finite number ≥ ${min}, got ${String(value)}`, {
      causes: [{ reason: 'FieldValueInvalid', field, message: `must be a finite number ≥ ${min}` }],
    });
  }
}

/** A limiter that never delays and counts nothing (tests, or queues that must not back off). */
export const nopRateLimiter: RateLimiter = { when: () => 0, forget() {}, numRequeues: () => 0 };

/** Options of {@link exponentialFailureRateLimiter}. */
export interface ExponentialRateLimiterOptions {
  /** Delay after the first failure, in ms. Default 5 (client-go's controller default). */
  readonly baseDelayMs?: number;
  /** Longest delay, in ms. Default 1,000,000 (1000 s, client-go's controller default). */
  readonly maxDelayMs?: number;
}

/** Per-key exponential backoff: `baseDelayMs · 2^failures`, capped at `maxDelayMs`. */
export function exponentialFailureRateLimiter(options: ExponentialRateLimiterOptions = {}): RateLimiter {
  const base = options.baseDelayMs ?? 5;
  const max = options.maxDelayMs ?? 1_000_000;
  checkNumber('baseDelayMs', base, 0);
  checkNumber('maxDelayMs', max, base);
  const failures = new Map<string, number>();
  return {
    when(key) {
      const exp = failures.get(key) ?? 0;
      failures.set(key, exp + 1);
      return Math.min(max, base * 2 ** exp);
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** Options of {@link tokenBucketRateLimiter}. */
export interface TokenBucketOptions {
  /** Sustained rate in attempts per second. Default 10 (client-go's controller default). */
  readonly qps?: number;
  /** Attempts allowed at once before the rate applies. Default 100 (client-go's controller default). */
  readonly burst?: number;
  readonly clock?: Clock;
}

/**
 * A global token bucket shared by every key (golang `rate.Limiter` reservations): each attempt takes a
 * token; when none is left the attempt is scheduled for when one will be. Keys are not tracked.
 */
export function tokenBucketRateLimiter(options: TokenBucketOptions = {}): RateLimiter {
  const qps = options.qps ?? 10;
  const burst = options.burst ?? 100;
  const clock = options.clock ?? realClock;
  checkNumber('qps', qps, Number.MIN_VALUE);
  checkNumber('burst', burst, 1);
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * qps);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
    },
    forget() {},
    numRequeues: () => 0,
  };
}

/** Combines limiters: the delay is the longest any of them asks for; requeues the most any counts. */
export function maxOfRateLimiters(...limiters: readonly RateLimiter[]): RateLimiter {
  return {
    when: (key) => limiters.reduce((longest, l) => Math.max(longest, l.when(key)), 0),
    forget(key) {
      for (const l of limiters) l.forget(key);
    },
    numRequeues: (key) => limiters.reduce((most, l) => Math.max(most, l.numRequeues(key)), 0),
  };
}

/** Options of {@link defaultControllerRateLimiter}. */
export type ControllerRateLimiterOptions = ExponentialRateLimiterOptions & TokenBucketOptions;

/**
 * client-go's `DefaultControllerRateLimiter`: per-key exponential backoff 5 ms → 1000 s, and a global
 * bucket of 10 qps with a burst of 100 so that a storm of failures cannot hammer the API. Every number
 * can be overridden.
 */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return maxOfRateLimiters(exponentialFailureRateLimiter(options), tokenBucketRateLimiter(options));
}
