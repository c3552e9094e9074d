/**
 * A controller: watches (the primary kind, owned kinds, mapped kinds) feed keys into a rate-limited work
 * queue; a fixed number of workers take keys and run the reconciler. Requeue, backoff, panic recovery,
 * timeouts, logging and metrics are handled here for every controller (controller-runtime's
 * `internal/controller`). A {@link Runnable} that needs the lease.
 */
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../../schemas/types.js';
import { ConvergeError, ErrorCode } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { realClock, sleep, type Clock } from './clock.js';
import { enqueueHandler, mapToControllerOwner, mapToSelf, type MapFunc, type Predicate } from './handlers.js';
import type { Informer } from './informer.js';
import type { InformerSelection, InformerSource } from './informers.js';
import type { Runnable } from './manager.js';
import { nopControllerMetrics, ReconcileResultLabel, type ControllerMetrics, type WorkQueueMetrics } from './metrics.js';
import { defaultControllerRateLimiter, checkNumber, type RateLimiter } from './ratelimit.js';
import { classifyFailure, FailureClass, runReconcile, type ReconcileOutcome } from './reconcile.js';
import { requestOfKey, type Reconciler } from './request.js';
import { WorkQueue } from './workqueue.js';
import type { KubeObject } from '../../schemas/object.js';

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Unique name: the `controller` metrics label and log field. */
  readonly name: string;
  /** The primary kind; its keys are what the reconciler receives. */
  readonly type: ResourceType;
  readonly reconciler: Reconciler;
  /** Where watches get their informers; they must be running (add the `InformerFactory` to the Manager). */
  readonly informers: InformerSource;
  /** Which primary objects to watch; default all. */
  readonly selection?: InformerSelection;
  /** Filters primary events. */
  readonly predicate?: Predicate;
  /**
   * True for a primary object that needs no prompt attention (e.g. Ready and Synced at its generation): its
   * adds from a (re-)list, as at startup, queue behind every other key. Default: none is.
   */
  readonly settled?: (obj: KubeObject) => boolean;
  /** Concurrent reconciles (never two for one key). Default 1. */
  readonly workers?: number;
  /** Default client-go's: per key 5 ms → 1000 s, global 10 qps burst 100. */
  readonly rateLimiter?: RateLimiter;
  /** A reconcile running longer is aborted and counted as an error. Default 300,000 ms. */
  readonly reconcileTimeoutMs?: number;
  /** Starting fails if the caches have not synced by then. Default 120,000 ms. */
  readonly cacheSyncTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: ControllerMetrics;
  readonly queueMetrics?: WorkQueueMetrics;
}

/** Options of {@link Controller.watchOwned} and {@link Controller.watchMapped}. */
export interface WatchOptions {
  readonly predicate?: Predicate;
  readonly selection?: InformerSelection;
}

interface WatchSpec {
  readonly type: ResourceType;
  readonly map: MapFunc;
  readonly predicate: Predicate | undefined;
  readonly selection: InformerSelection;
}

/** See the module comment. Declare watches before {@link start}. */
export class Controller implements Runnable {
  readonly needLeaderElection = true;
  readonly name: string;
  private readonly options: ControllerOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics;
  private readonly rateLimiter: RateLimiter;
  private readonly watches: WatchSpec[] = [];
  private readonly workers: number;
  private readonly timeoutMs: number;
  private active = 0;
  private current: WorkQueue | undefined;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.name = options.name;
    this.clock = options.clock ?? realClock;
    this.logger = (options.logger ?? silentLogger()).child({ controller: options.name });
    this.metrics = options.metrics ?? nopControllerMetrics;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter({ clock: this.clock });
    this.workers = options.workers ?? 1;
    this.timeoutMs = options.reconcileTimeoutMs ?? 300_000;
    checkNumber('workers', this.workers, 1);
    checkNumber('reconcileTimeoutMs', this.timeoutMs, 1);
    this.watches.push({ type: options.type, map: mapToSelf, predicate: options.predicate, selection: options.selection ?? {} });
  }

  /** Reconciles the controlling owner (of the primary kind) when an object of `type` changes. */
  watchOwned(type: ResourceType, options: WatchOptions = {}): this {
    return this.watchMapped(type, mapToControllerOwner(this.options.type), options);
  }

  /** Reconciles the primary objects `map` names when an object of `type` changes. */
  watchMapped(type: ResourceType, map: MapFunc, options: WatchOptions = {}): this {
    this.watches.push({ type, map, predicate: options.predicate, selection: options.selection ?? {} });
    return this;
  }

  /** Enqueues a key by hand (e.g. from an external event source); ignored while stopped. */
  enqueue(key: string): void {
    this.current?.add(key);
  }

  /**
   * Waits for the caches, then runs the workers until `signal` aborts; in-flight reconciles see their signal
   * abort and the queue is drained without reconciling. Rejects if the caches do not sync in time.
   */
  async start(signal: AbortSignal): Promise<void> {
    const queue = new WorkQueue({
      name: this.name,
      clock: this.clock,
      rateLimiter: this.rateLimiter,
      ...(this.options.queueMetrics ? { metrics: this.options.queueMetrics } : {}),
    });
    this.current = queue;
    const informers = this.watches.map((w) => this.options.informers.informerFor(w.type, w.selection));
    const removers: (() => void)[] = [];
    try {
      await this.waitForCaches(informers, signal);
      if (signal.aborted) return;
      const settled = this.options.settled;
      this.watches.forEach((w, i) =>
        // Only the primary watch (the first) knows what "settled" means for its objects.
        removers.push(informers[i]!.addEventHandler(enqueueHandler(queue, w.map, w.predicate, i === 0 && settled ? { settled } : {}))),
      );
      this.metrics.setMaxConcurrentReconciles(this.name, this.workers);
      this.logger.info({ workers: this.workers }, 'starting workers');
      const stop = () => queue.shutDown();
      signal.addEventListener('abort', stop, { once: true });
      await Promise.all(Array.from({ length: this.workers }, () => this.worker(queue, signal)));
      signal.removeEventListener('abort', stop);
      this.logger.info('workers stopped');
    } finally {
      for (const remove of removers) remove();
      queue.shutDown();
      if (this.current === queue) this.current = undefined;
    }
  }

  private async waitForCaches(informers: readonly Informer[], signal: AbortSignal): Promise<void> {
    const giveUp = new AbortController();
    const onAbort = () => giveUp.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timeoutMs = this.options.cacheSyncTimeoutMs ?? 120_000;
    const timer = sleep(this.clock, timeoutMs, giveUp.signal).then((expired) => {
      if (expired) giveUp.abort();
      return expired;
    });
    const synced = await Promise.all(informers.map((i) => i.waitForSync(giveUp.signal)));
    giveUp.abort();
    signal.removeEventListener('abort', onAbort);
    const timedOut = await timer;
    if (!signal.aborted && (timedOut || !synced.every(Boolean))) {
      throw new ConvergeError(ErrorCode.Timeout, `controller ${this.name}: caches did not sync within ${timeoutMs} ms`);
    }
  }

  private async worker(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        queue.done(key);
        continue;
      }
      await this.process(queue, key, signal);
    }
  }

  private async process(queue: WorkQueue, key: string, signal: AbortSignal): Promise<void> {
    const request = requestOfKey(key);
    const reconcileID = randomUUID();
    const logger = this.logger.child({
      ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
      name: request.name,
      reconcileID,
    });
    this.metrics.setActiveWorkers(this.name, ++this.active);
    const started = this.clock.now();
    const running = runReconcile(this.options.reconciler, request, {
      signal,
      timeoutMs: this.timeoutMs,
      clock: this.clock,
      context: { logger, reconcileID },
    });
    const outcome = await running.outcome;
    this.metrics.setActiveWorkers(this.name, --this.active);
    this.metrics.observeReconcileTime(this.name, (this.clock.now() - started) / 1000);
    this.handleOutcome(queue, key, outcome, logger, signal);
    if (outcome.kind === 'error' && outcome.timedOut) {
      // The key stays taken until the abandoned reconcile really returns: never two reconciles of one key.
      logger.warn({ timeoutMs: this.timeoutMs }, 'reconcile timed out; its signal was aborted');
      void running.settled.then(() => queue.done(key));
    } else {
      queue.done(key);
    }
  }

  private handleOutcome(queue: WorkQueue, key: string, outcome: ReconcileOutcome, logger: Logger, signal: AbortSignal): void {
    if (outcome.kind === 'success') {
      queue.forget(key);
      if (outcome.requeueAfterMs !== undefined) {
        queue.addAfter(key, outcome.requeueAfterMs);
        this.metrics.incReconcileTotal(this.name, ReconcileResultLabel.RequeueAfter);
      } else {
        this.metrics.incReconcileTotal(this.name, ReconcileResultLabel.Success);
      }
      return;
    }
    const err = outcome.error;
    if (signal.aborted) {
      logger.debug({ err }, 'reconcile ended by shutdown');
      return;
    }
    if (outcome.panic) {
      this.metrics.incReconcilePanics(this.name);
      logger.error({ err }, 'observed a panic in reconciler; recovered');
    }
    const failure = outcome.panic ? FailureClass.Retry : classifyFailure(err);
    if (failure === FailureClass.Conflict) {
      this.metrics.incReconcileTotal(this.name, ReconcileResultLabel.Requeue);
      logger.debug({ err }, 'conflict; requeueing');
      queue.addRateLimited(key);
      return;
    }
    this.metrics.incReconcileTotal(this.name, ReconcileResultLabel.Error);
    this.metrics.incReconcileErrors(this.name);
    if (failure === FailureClass.Terminal) {
      this.metrics.incTerminalReconcileErrors(this.name);
      queue.forget(key);
      logger.error({ err }, 'reconciler error (terminal: not retried)');
      return;
    }
    if (!outcome.panic) logger.error({ err, retries: queue.numRequeues(key) }, 'reconciler error');
    queue.addRateLimited(key);
  }
}
