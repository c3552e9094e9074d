/**
 * The controller work queue, after client-go's rate-limiting delaying queue. Keys, never events: a key
 * added many times while it waits is processed once; a key added while a worker processes it is processed
 * again after that worker calls {@link WorkQueue.done}, never by two workers at once.
 *
 * Two priorities, like controller-runtime's priority queue: {@link WorkQueue.addLowPriority} keys are handed
 * out only when no normal key waits, and a normal add of a waiting low-priority key promotes it. A restart
 * re-lists thousands of settled objects; without this, objects that still need creating wait behind all of
 * them.
 */
import { realClock, type Clock, type Timer } from './clock.js';
import { nopWorkQueueMetrics, type WorkQueueMetrics } from './metrics.js';
import { checkNumber, defaultControllerRateLimiter, type RateLimiter } from './ratelimit.js';

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Name used as the metrics' `name` label. Default `queue`. */
  readonly name?: string;
  readonly clock?: Clock;
  /** Delays of {@link WorkQueue.addRateLimited}. Default {@link defaultControllerRateLimiter} on `clock`. */
  readonly rateLimiter?: RateLimiter;
  readonly metrics?: WorkQueueMetrics;
}

/** A FIFO of keys with O(1) push and shift. */
class Fifo {
  private items: string[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}

/** See the module comment. */
export class WorkQueue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics;
  private readonly queue = new Fifo();
  /** Low-priority keys; entries no longer in {@link lowKeys} were promoted and are skipped. */
  private readonly low = new Fifo();
  private readonly lowKeys = new Set<string>();
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Map<string, number>();
  /** Keys a worker holds, with the time it took them. */
  private readonly processing = new Map<string, number>();
  private readonly delayed = new Map<string, { readonly at: number; readonly timer: Timer }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly drained: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? 'queue';
    this.clock = options.clock ?? realClock;
    this.limiter = options.rateLimiter ?? defaultControllerRateLimiter({ clock: this.clock });
    this.metrics = options.metrics ?? nopWorkQueueMetrics;
  }

  /** Marks `key` for processing now. Ignored after shutdown. */
  add(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.incAdds(this.name);
    if (this.dirty.has(key)) {
      if (this.lowKeys.delete(key)) this.enqueue(key);
      return;
    }
    this.dirty.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /**
   * Marks `key` for processing once no normal key waits (see the module comment). A key that already waits
   * keeps its place. Ignored after shutdown.
   */
  addLowPriority(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.incAdds(this.name);
    if (this.dirty.has(key)) return;
    this.dirty.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.enqueue(key, true);
  }

  /**
   * Adds `key` after `ms` milliseconds. When the key already waits for a delayed add, the earlier of the two
   * times wins. `ms <= 0` adds now.
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    checkNumber('ms', ms, Number.NEGATIVE_INFINITY);
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, timer });
  }

  /** Adds `key` after the delay the rate limiter gives it (one more failure for per-key backoff). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.incRetries(this.name);
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears the backoff history of `key`; call when it was processed successfully or given up on. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Retries of `key` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /**
   * The next key to process, waiting until there is one. The caller owns the key until it calls
   * {@link done}. After shutdown the remaining queued keys are still handed out; then it resolves undefined.
   */
  get(): Promise<string | undefined> {
    const key = this.queue.shift() ?? this.shiftLow();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Releases `key`; if it was added again meanwhile it goes back in the queue. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics.observeWorkDuration(this.name, (this.clock.now() - started) / 1000);
    // Re-added while processing: whatever priority it was re-added with, it is due now.
    if (this.dirty.has(key)) this.enqueue(key);
    this.checkDrained();
  }

  /** Keys waiting to be processed (not counting delayed ones or ones being processed). */
  len(): number {
    return this.queue.length + this.lowKeys.size;
  }

  /** Keys waiting for a delayed add. */
  delayedLen(): number {
    return this.delayed.size;
  }

  /** True after {@link shutDown}. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops accepting keys and drops delayed ones. Queued keys are still handed out by {@link get}; waiting
   * getters resolve undefined once the queue is empty.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    for (const getter of this.getters.splice(0)) getter(undefined);
    this.checkDrained();
  }

  /** {@link shutDown}, then resolves once every queued key was handed out and every taken key is done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    return new Promise((resolve) => {
      this.drained.push(resolve);
      this.checkDrained();
    });
  }

  private enqueue(key: string, lowPriority = false): void {
    const getter = this.getters.shift();
    if (getter !== undefined) getter(this.take(key));
    else if (lowPriority) {
      this.lowKeys.add(key);
      this.low.push(key);
    } else this.queue.push(key);
    this.metrics.setDepth(this.name, this.len());
  }

  /** The oldest low-priority key still waiting (promoted ones are skipped). */
  private shiftLow(): string | undefined {
    for (let key = this.low.shift(); key !== undefined; key = this.low.shift()) {
      if (this.lowKeys.delete(key)) return key;
    }
    return undefined;
  }

  private take(key: string): string {
    const addedAt = this.dirty.get(key) ?? this.clock.now();
    this.dirty.delete(key);
    const now = this.clock.now();
    this.processing.set(key, now);
    this.metrics.observeQueueDuration(this.name, (now - addedAt) / 1000);
    this.metrics.setDepth(this.name, this.len());
    return key;
  }

  private checkDrained(): void {
    if (!this.shuttingDown || this.len() > 0 || this.processing.size > 0) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
