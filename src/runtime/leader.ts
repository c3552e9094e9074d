/**
 * Leader election with client-go's semantics (`tools/leaderelection`): a lease record in a lock; a candidate
 * takes it when it is free or expired, the leader renews it every retry period, and gives leadership up when
 * it cannot renew within the renew deadline. Expiry is judged by when this replica last *saw the record
 * change* on its own clock (not by the timestamps in it), so clock skew between replicas cannot make two
 * leaders.
 */
import { isDeepStrictEqual } from 'node:util';
import { InvalidError } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { realClock, sleep, type Clock } from './clock.js';
import type { LeaderElection, LeadershipCallbacks } from './manager.js';
import { checkNumber } from './ratelimit.js';

/** The lease as stored (the fields of `coordination.k8s.io/v1` Lease's spec). */
export interface LeaderElectionRecord {
  /** Empty when released. */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 with microseconds. */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaderTransitions: number;
}

/** A record and the version to update it against. */
export interface LockedRecord {
  readonly record: LeaderElectionRecord;
  readonly resourceVersion: string;
}

/** Where the lease lives: a store key, a Lease object through the API, an etcd lease, … */
export interface ResourceLock {
  /** The current record, or undefined when there is none. */
  get(): Promise<LockedRecord | undefined>;
  /** Creates the record and returns its resourceVersion; throws `AlreadyExistsError` when one exists. */
  create(record: LeaderElectionRecord): Promise<string>;
  /**
   * Replaces the record if still at `resourceVersion` and returns the new resourceVersion; throws
   * `ConflictError` (or `NotFoundError`) otherwise.
   */
  update(record: LeaderElectionRecord, resourceVersion: string): Promise<string>;
  /** Where the lock is, for logs. */
  describe(): string;
}

/** Options of {@link LeaderElector}; defaults are client-go's. */
export interface LeaderElectorOptions {
  readonly lock: ResourceLock;
  /** Unique per replica, e.g. hostname plus a random suffix. */
  readonly identity: string;
  /** How long others wait after the last observed change before taking over. Default 15,000 ms. */
  readonly leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long. Default 10,000 ms. */
  readonly renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew. Default 2,000 ms. */
  readonly retryPeriodMs?: number;
  /** On shutdown, clear the holder so another replica takes over at once. Default true. */
  readonly releaseOnCancel?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Random numbers in [0, 1) for retry jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** Retry jitter factor, as client-go's `JitterFactor`. */
const JITTER = 1.2;

/** A MicroTime: RFC 3339 in UTC with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** See the module comment. */
export class LeaderElector implements LeaderElection {
  readonly identity: string;
  private readonly lock: ResourceLock;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly releaseOnCancel: boolean;
  private observed: LockedRecord | undefined;
  private observedAt = 0;

  constructor(options: LeaderElectorOptions) {
    this.lock = options.lock;
    this.identity = options.identity;
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    this.releaseOnCancel = options.releaseOnCancel ?? true;
    this.clock = options.clock ?? realClock;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'leader-election', lock: options.lock.describe() });
    this.random = options.random ?? Math.random;
    checkNumber('retryPeriodMs', this.retryMs, 1);
    checkNumber('renewDeadlineMs', this.renewDeadlineMs, this.retryMs * JITTER);
    checkNumber('leaseDurationMs', this.leaseMs, this.renewDeadlineMs + 1);
    if (this.identity === '') {
      throw new InvalidError('identity must not be empty', {
        causes: [{ reason: 'FieldValueRequired', field: 'identity', message: 'Required value' }],
      });
    }
  }

  /** True while the last record this replica saw names it as holder. */
  isLeader(): boolean {
    return this.observed?.record.holderIdentity === this.identity;
  }

  /** The holder named in the last record seen ('' when released or never seen). */
  leader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  /** Campaigns until elected or `signal` aborts, then leads until renewal fails or `signal` aborts. */
  async run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const term = new AbortController();
    this.logger.info({ identity: this.identity }, 'acquired the lease');
    callbacks.onStartedLeading(term.signal);
    try {
      await this.renewLoop(signal);
    } finally {
      term.abort();
      if (signal.aborted && this.releaseOnCancel) await this.release();
      else if (!signal.aborted) this.logger.error({ identity: this.identity }, 'failed to renew the lease; leadership lost');
      callbacks.onStoppedLeading();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      await sleep(this.clock, this.retryMs * (1 + JITTER * this.random()), signal);
    }
    return false;
  }

  /** Renews every retry period; returns when a renewal could not succeed within the renew deadline. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && this.clock.now() < deadline) {
        const remaining = deadline - this.clock.now();
        const expired = new AbortController();
        const attempt = await Promise.race([this.tryAcquireOrRenew(), sleep(this.clock, remaining, expired.signal).then(() => false)]);
        expired.abort();
        if (attempt) {
          renewed = true;
          break;
        }
        await sleep(this.clock, Math.min(this.retryMs, Math.max(0, deadline - this.clock.now())), signal);
      }
      if (signal.aborted) return;
      if (!renewed) return;
      await sleep(this.clock, this.retryMs, signal);
    }
  }

  /** One attempt (client-go's `tryAcquireOrRenew`); errors count as failure and are logged at debug. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const desired = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaderTransitions: 0,
    };
    try {
      const current = await this.lock.get();
      if (current === undefined) {
        return this.saw({ record: desired, resourceVersion: await this.lock.create(desired) }, now);
      }
      if (this.observed === undefined || !isDeepStrictEqual(this.observed.record, current.record)) {
        this.observed = current;
        this.observedAt = now;
      }
      const held = current.record.holderIdentity !== '' && current.record.holderIdentity !== this.identity;
      if (held && this.observedAt + current.record.leaseDurationSeconds * 1000 > now) return false;
      const mine = current.record.holderIdentity === this.identity;
      const next: LeaderElectionRecord = {
        ...desired,
        acquireTime: mine ? current.record.acquireTime : desired.acquireTime,
        leaderTransitions: mine ? current.record.leaderTransitions : current.record.leaderTransitions + 1,
      };
      return this.saw({ record: next, resourceVersion: await this.lock.update(next, current.resourceVersion) }, now);
    } catch (err) {
      this.logger.debug({ err }, 'could not acquire or renew the lease');
      return false;
    }
  }

  /** Records what this replica just wrote; true (it now holds the lease). */
  private saw(written: LockedRecord, now: number): boolean {
    this.observed = written;
    this.observedAt = now;
    return true;
  }

  /** Clears the holder so another replica need not wait for the lease to expire. */
  private async release(): Promise<void> {
    const current = this.observed;
    if (current === undefined || current.record.holderIdentity !== this.identity) return;
    const now = this.clock.now();
    try {
      await this.lock.update(
        { ...current.record, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now) },
        current.resourceVersion,
      );
      this.observed = undefined;
      this.logger.info({ identity: this.identity }, 'released the lease');
    } catch (err) {
      this.logger.warn({ err }, 'could not release the lease');
    }
  }
}
