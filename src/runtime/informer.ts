/**
 * An informer keeps a {@link Cache} of one kind in step with the API: list, then watch from the list's
 * resourceVersion; a watch that ends is resumed from the last revision seen (events or bookmarks); a 410
 * (`CompactedError`) means history is gone, so it lists again and diffs the fresh list against the cache to
 * emit the deletes it missed; failures back off (capped, jittered); a watch silent for longer than the
 * watchdog period (bookmarks count as activity) is restarted, because a half-open connection looks exactly
 * like a quiet kind. Handlers see changes after the cache applied them; controllers enqueue keys from them.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient, ClientWatchEvent } from '../client/types.js';
import { ConvergeError, ErrorCode, isCompacted } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Cache, type CacheReader, type IndexFunc } from './cache.js';
import { realClock, sleep, type Clock, type Timer } from './clock.js';
import { keyOfObject } from './request.js';
import { listAll } from './list.js';

/** Callbacks for changes; each sees the cache already updated. Exceptions are logged, never propagated. */
export interface InformerEventHandler {
  onAdd?(obj: KubeObject): void;
  onUpdate?(oldObj: KubeObject, newObj: KubeObject): void;
  onDelete?(obj: KubeObject): void;
}

/** Options of {@link Informer}. */
export interface InformerOptions {
  readonly client: ApiClient;
  readonly type: ResourceType;
  /** Only this namespace; default all. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Extra cache indexes; the namespace index is built in. */
  readonly indexers?: Readonly<Record<string, IndexFunc>>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Page size of lists. Default 500. */
  readonly pageSize?: number;
  /** Server-side lifetime of one watch in s. Default random 300–600, as client-go, to spread reconnects. */
  readonly watchTimeoutSeconds?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. Default 180,000 ms. */
  readonly watchdogMs?: number;
  /** A watch ending sooner than this without any event counts as a failure (backs off). Default 1,000 ms. */
  readonly minWatchDurationMs?: number;
  /** Reconnect backoff. Default 800 ms doubling to 30 s. */
  readonly backoff?: BackoffOptions;
}

/** How one watch ended. */
type WatchOutcome = 'ended' | 'short' | 'stalled' | 'expired';

/** See the module comment. Explicit {@link start}; nothing runs before it. */
export class Informer {
  readonly type: ResourceType;
  private readonly options: InformerOptions;
  private readonly cacheStore: Cache;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly handlers = new Set<InformerEventHandler>();
  private readonly backoff: Backoff;
  private readonly syncWaiters: (() => void)[] = [];
  private resourceVersion = '';
  private synced = false;
  private started = false;

  constructor(options: InformerOptions) {
    this.options = options;
    this.type = options.type;
    this.cacheStore = new Cache(options.indexers ? { indexers: options.indexers } : {});
    this.clock = options.clock ?? realClock;
    this.logger = (options.logger ?? silentLogger()).child({ informer: options.type.plural });
    this.backoff = new Backoff(options.backoff);
  }

  /** Never needs the lease: followers keep warm caches so a new leader starts at once. */
  readonly needLeaderElection = false;

  /** The cache, read-only. */
  get cache(): CacheReader {
    return this.cacheStore;
  }

  /** The revision the cache reflects (last list, event or bookmark); empty before the first list. */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Adds a cache index (existing objects are indexed at once); throws `InvalidError` if the name is taken. */
  addIndexer(name: string, fn: IndexFunc): void {
    this.cacheStore.addIndexer(name, fn);
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /**
   * Adds a handler and returns its remover. A handler added after the first sync is first told about every
   * cached object as an add, so late subscribers see the same world as early ones.
   */
  addEventHandler(handler: InformerEventHandler): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.cacheStore.list()) this.call('onAdd', () => handler.onAdd?.(obj));
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** Lists and watches until `signal` aborts; resolves then. Throws if started twice. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new ConvergeError(ErrorCode.Internal, `informer for ${this.type.plural} already started`);
    this.started = true;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const outcome = await this.watchOnce(signal);
        if (outcome === 'expired') {
          this.logger.info({ resourceVersion: this.resourceVersion }, 'watch history compacted; listing again');
          needList = true;
        } else if (outcome === 'short') {
          await sleep(this.clock, this.backoff.next(), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isCompacted(err)) {
          needList = true;
          continue;
        }
        const delayMs = this.backoff.next();
        this.logger.warn({ err, delayMs }, needList ? 'list failed; retrying' : 'watch failed; reconnecting');
        await sleep(this.clock, delayMs, signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await listAll(this.options.client, this.type, {
      ...this.selection(),
      pageSize: this.options.pageSize ?? 500,
    });
    const diff = this.cacheStore.replace(items);
    this.resourceVersion = resourceVersion;
    this.backoff.reset();
    for (const obj of diff.deleted) this.emit('onDelete', (h) => h.onDelete?.(obj));
    for (const obj of diff.added) this.emit('onAdd', (h) => h.onAdd?.(obj));
    for (const { old, new: obj } of diff.updated) this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private selection() {
    const { namespace, labelSelector, fieldSelector } = this.options;
    return {
      ...(namespace !== undefined ? { namespace } : {}),
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    };
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const watchdogMs = this.options.watchdogMs ?? 180_000;
    const started = this.clock.now();
    let lastActivity = started;
    let events = 0;
    let stalled = false;
    let watchdog: Timer | undefined;
    const arm = (at: number) => {
      watchdog = this.clock.setTimer(at - this.clock.now(), () => {
        if (this.clock.now() - lastActivity >= watchdogMs) {
          stalled = true;
          this.logger.warn({ silentMs: this.clock.now() - lastActivity }, 'watch silent for too long; restarting it');
          abort.abort();
        } else {
          arm(lastActivity + watchdogMs);
        }
      });
    };
    arm(started + watchdogMs);
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.round(300 * (1 + Math.random()));
    try {
      const stream = this.options.client.watch(this.type, {
        ...this.selection(),
        resourceVersion: this.resourceVersion,
        allowBookmarks: true,
        timeoutSeconds,
        signal: abort.signal,
      });
      for await (const event of stream) {
        lastActivity = this.clock.now();
        events++;
        this.apply(event);
      }
    } catch (err) {
      if (isCompacted(err)) return 'expired';
      if (!signal.aborted && !stalled) throw err;
    } finally {
      watchdog?.cancel();
      signal.removeEventListener('abort', onAbort);
      abort.abort();
    }
    if (stalled || signal.aborted) return 'stalled';
    if (events > 0) this.backoff.reset();
    const minMs = this.options.minWatchDurationMs ?? 1000;
    return events === 0 && this.clock.now() - started < minMs ? 'short' : 'ended';
  }

  private apply(event: ClientWatchEvent): void {
    const rv = event.object.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = event.object;
    if (event.type === 'DELETED') {
      const old = this.cacheStore.remove(keyOfObject(obj));
      if (rv) this.resourceVersion = rv;
      if (old !== undefined) this.emit('onDelete', (h) => h.onDelete?.(obj));
      return;
    }
    const old = this.cacheStore.upsert(obj);
    if (rv) this.resourceVersion = rv;
    if (old === undefined) this.emit('onAdd', (h) => h.onAdd?.(obj));
    // A replay (watch from "0") repeats objects already cached: not a change, so no update storm.
    else if (old.metadata.resourceVersion !== rv) this.emit('onUpdate', (h) => h.onUpdate?.(old, obj));
  }

  private emit(what: string, fn: (h: InformerEventHandler) => void): void {
    for (const handler of this.handlers) this.call(what, () => fn(handler));
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err, handler: what }, 'informer event handler threw');
    }
  }
}
