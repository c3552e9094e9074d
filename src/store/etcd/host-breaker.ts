/**
 * The per-member fault policy of the etcd client: skip a member that cannot be reached, and only that.
 *
 * etcd3's default is a circuit breaker per member that opens for 5 s after three consecutive "recoverable"
 * errors. Those include etcd's own UNAVAILABLE answers — `etcdserver: request timed out`, `leader changed`,
 * `no leader` — which every HEALTHY member gives while the cluster elects a new raft leader. When the leader
 * dies, the writes that followers had forwarded to it all time out at once, the breakers of the healthy
 * members open, and for the next 5 s every call fails without being sent although a quorum is already
 * back: the API answers 503 and a controller replica misses its lease renewal and steps down. Here only a
 * failure to reach the member (no connection, reset, our own deadline) counts; any answer from etcd proves
 * the member is up and resets its count.
 */
import { isRecoverableError, type IOptions } from 'etcd3';
import { UnavailableError } from '../../errors/index.js';

/** The policy type etcd3's `faultHandling.host` expects (cockatiel's `IPolicy`, named through etcd3). */
type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;
type PolicyContext = Parameters<Parameters<HostPolicy['execute']>[0]>[0];

/** Options of {@link HostBreaker}. */
export interface HostBreakerOptions {
  /** Consecutive failures to reach the member before it is skipped (default 3). */
  readonly failureThreshold?: number;
  /** How long it is skipped before one call may try it again (default 5,000 ms). */
  readonly openMs?: number;
  readonly now?: () => number;
}

/** True when `err` says the member could not be reached, as opposed to an answer from etcd. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof Error && isRecoverableError(err) && !err.message.includes('etcdserver:');
}

const noListeners = () => ({ dispose: () => undefined });

/**
 * See the module comment. While open it throws {@link UnavailableError} without calling, which etcd3 takes
 * as "try the next member"; once `openMs` passed, one call at a time probes the member.
 */
export class HostBreaker implements HostPolicy {
  declare readonly _altReturn: never;
  /** etcd3 never subscribes; present because the policy interface has them. */
  readonly onSuccess: HostPolicy['onSuccess'] = noListeners;
  readonly onFailure: HostPolicy['onFailure'] = noListeners;
  private failures = 0;
  private openUntil = 0;
  private probing = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(
    private readonly host: string,
    options: HostBreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async execute<T>(fn: (context: PolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    const open = this.failures >= this.threshold;
    if (open && (this.now() < this.openUntil || this.probing)) {
      throw new UnavailableError(`etcd member ${this.host} skipped: ${this.failures} consecutive attempts could not reach it`, {
        retryAfterSeconds: 1,
      });
    }
    if (open) this.probing = true;
    try {
      const value = await fn({ signal: signal ?? new AbortController().signal });
      this.failures = 0;
      return value;
    } catch (err) {
      if (isUnreachable(err)) {
        this.failures++;
        if (this.failures >= this.threshold) this.openUntil = this.now() + this.openMs;
      } else {
        this.failures = 0;
      }
      throw err;
    } finally {
      if (open) this.probing = false;
    }
  }
}
