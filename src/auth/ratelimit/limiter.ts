/**
 * Per-user request admission: a token bucket per user (sustained qps + burst) and a cap on the requests a user
 * has in flight at once. The point (issue #8) is that one noisy client cannot starve everyone else: the
 * controllers run in-process and never pass through HTTP, so what a flood threatens is the shared event loop,
 * and a refusal here costs one map lookup instead of a store round trip. Watches are long-running: opening one
 * takes a token, but an open watch does not hold an in-flight slot (an informer keeps several open for hours).
 *
 * Members of `system:masters` are limited too, with a budget `mastersFactor` times larger: the admin
 * kubeconfig is the credential `converge apply`, scripts and GitOps pipelines use for bulk work, so exempting
 * it (as kube's API Priority and Fairness does) would leave the default single-admin setup unprotected against
 * a runaway script, while the larger budget keeps a 10,000-object apply fast (the CLI also waits out 429s).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { TooManyRequestsError } from '../../errors/index.js';
import { SYSTEM_MASTERS, type RequestAttributes, type RequestLimiter, type UserInfo } from '../types.js';
import { TokenBucket } from './token-bucket.js';

/** Default sustained requests per second per user (kube's client-go defaults are 5/10 per client; kubectl 50/300). */
export const DEFAULT_USER_QPS = 100;
/** Default burst per user: a `kubectl get` of every kind, or a second of an apply at full speed. */
export const DEFAULT_USER_BURST = 200;
/** Default concurrent non-watch requests per user (`converge apply` sends 16 at a time). */
export const DEFAULT_USER_MAX_INFLIGHT = 32;
/**
 * Default multiplier of every limit for members of `system:masters`: 1,000/s sustained, so a 10,000-object
 * `converge apply` with the admin kubeconfig (~600 creates/s) is never throttled, while a runaway admin script
 * beyond that still gets 429s.
 */
export const DEFAULT_MASTERS_FACTOR = 10;
/** Users whose state is kept at most; beyond it the least recently seen idle users are forgotten. */
const DEFAULT_MAX_TRACKED_USERS = 10_000;
/** How often full, idle buckets (indistinguishable from new ones) are swept away. */
const SWEEP_INTERVAL_MS = 60_000;

/** Options of {@link PerUserLimiter}; every limit applies per user name. */
export interface PerUserLimiterOptions {
  /** Sustained requests per second (default {@link DEFAULT_USER_QPS}); 0 turns rate limiting off. */
  readonly qps?: number;
  /** Token bucket capacity (default {@link DEFAULT_USER_BURST}, at least 1). */
  readonly burst?: number;
  /** Concurrent non-watch requests (default {@link DEFAULT_USER_MAX_INFLIGHT}); 0 = no cap. */
  readonly maxInflight?: number;
  /** Multiplier of qps, burst and in-flight cap for `system:masters` (default {@link DEFAULT_MASTERS_FACTOR}). */
  readonly mastersFactor?: number;
  /** Cap on users tracked at once (bounded memory against a stream of distinct identities). */
  readonly maxTrackedUsers?: number;
  /** Clock in milliseconds (tests inject one). */
  readonly now?: () => number;
}

interface UserState {
  bucket: TokenBucket | undefined;
  inflight: number;
}

/** Counts and gauges of the limiter, registered into a metrics registry with {@link PerUserLimiter.registerMetrics}. */
interface LimiterMetrics {
  readonly rejected: Counter<'reason'>;
  readonly trackedUsers: Gauge;
}

/** See the module comment. */
export class PerUserLimiter implements RequestLimiter {
  readonly qps: number;
  readonly burst: number;
  readonly maxInflight: number;
  readonly mastersFactor: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  /** Map order is recency order: an admitted user is moved to the end, so eviction starts with the stalest. */
  readonly #users = new Map<string, UserState>();
  #lastSweepMs: number;
  readonly #metrics: LimiterMetrics;

  constructor(options: PerUserLimiterOptions = {}) {
    this.qps = options.qps ?? DEFAULT_USER_QPS;
    this.burst = options.burst ?? DEFAULT_USER_BURST;
    this.maxInflight = options.maxInflight ?? DEFAULT_USER_MAX_INFLIGHT;
    this.mastersFactor = options.mastersFactor ?? DEFAULT_MASTERS_FACTOR;
    this.#maxTracked = options.maxTrackedUsers ?? DEFAULT_MAX_TRACKED_USERS;
    this.#now = options.now ?? Date.now;
    this.#lastSweepMs = this.#now();
    this.#metrics = {
      rejected: new Counter({
        name: 'converge_apiserver_rate_limited_requests_total',
        help: 'API requests refused with 429 by the per-user limiter, by reason (rate or inflight).',
        labelNames: ['reason'],
        registers: [],
      }),
      trackedUsers: new Gauge({ name: 'converge_apiserver_rate_limited_users', help: 'Users the per-user limiter keeps state for.', registers: [] }),
    };
  }

  /** Adds the limiter's metrics to `registry` (the server's /metrics). */
  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.#metrics.rejected);
    registry.registerMetric(this.#metrics.trackedUsers);
  }

  /** Users currently tracked (for tests of the memory bound). */
  get trackedUsers(): number {
    return this.#users.size;
  }

  admit(user: UserInfo, attributes: RequestAttributes): () => void {
    const now = this.#now();
    this.#sweep(now);
    const factor = user.groups.includes(SYSTEM_MASTERS) ? this.mastersFactor : 1;
    const state = this.#stateOf(user.name);
    const longRunning = attributes.verb === 'watch';
    const maxInflight = this.maxInflight * factor;
    if (!longRunning && this.maxInflight > 0 && state.inflight >= maxInflight) {
      this.#metrics.rejected.inc({ reason: 'inflight' });
      throw new TooManyRequestsError(`Too many requests: user "${user.name}" already has ${maxInflight} requests in flight, please try again later`, {
        retryAfterSeconds: 1,
      });
    }
    if (this.qps > 0) {
      state.bucket ??= new TokenBucket({ qps: this.qps * factor, burst: Math.max(1, this.burst * factor), nowMs: now });
      const waitMs = state.bucket.take(now);
      if (waitMs > 0) {
        this.#metrics.rejected.inc({ reason: 'rate' });
        throw new TooManyRequestsError(`Too many requests: user "${user.name}" is over ${this.qps * factor} requests per second, please try again later`, {
          retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        });
      }
    }
    if (longRunning) return () => undefined;
    state.inflight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inflight -= 1;
    };
  }

  #stateOf(name: string): UserState {
    let state = this.#users.get(name);
    if (state === undefined) {
      state = { bucket: undefined, inflight: 0 };
      if (this.#users.size >= this.#maxTracked) this.#evictStalest();
      this.#metrics.trackedUsers.set(this.#users.size + 1);
    } else {
      this.#users.delete(name);
    }
    this.#users.set(name, state);
    return state;
  }

  /** Forgets users whose bucket has refilled and who have nothing in flight: a new bucket would be identical. */
  #sweep(now: number): void {
    if (now - this.#lastSweepMs < SWEEP_INTERVAL_MS) return;
    this.#lastSweepMs = now;
    for (const [name, state] of this.#users) {
      if (state.inflight === 0 && (state.bucket === undefined || state.bucket.isFull(now))) this.#users.delete(name);
    }
    this.#metrics.trackedUsers.set(this.#users.size);
  }

  /**
   * Over the cap: drops the least recently seen users with nothing in flight (at worst they get a fresh burst
   * back). Users with requests in flight are kept, since their release must find their state.
   */
  #evictStalest(): void {
    const target = Math.floor(this.#maxTracked * 0.9);
    for (const [name, state] of this.#users) {
      if (this.#users.size < target) break;
      if (state.inflight === 0) this.#users.delete(name);
    }
  }
}
