/**
 * The shared watch fan-out of the API server, after kube-apiserver's cacher: ONE store watch per kind (all
 * namespaces) decodes each event once and hands the same decoded object and the same encoded line to every HTTP
 * watcher of that kind, which only filters (namespace, selectors) and writes. With N watchers the store, the
 * JSON parse and the JSON serialisation each run once per event instead of N times.
 *
 * The cache keeps the last `capacity` events so that a watch resuming from a recent resourceVersion replays
 * from memory. A watch starting older than that window is not the cache's business: `register` declines it and
 * the caller watches the store directly, which keeps resume, gap-freedom and 410 Gone exactly as the store
 * defines them. Every callback runs synchronously on the one JavaScript thread, so registering (replay, then
 * live) cannot miss or repeat an event.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { decodeObject } from '../registry/codec.js';
import { collectionPrefix } from '../registry/keys.js';
import type { Backend, Watch, WatchEvent } from '../store/types.js';

/** The object event types a watcher receives. */
export type ObjectEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One store event, decoded once and encoded at most once, shared read-only by every watcher of its kind. */
export class CachedEvent {
  readonly revision: number;
  readonly key: string;
  /** The object after the write (for a delete: its last state, at the delete's revision). Never mutate it. */
  readonly object: KubeObject;
  private prevDecoded = false;
  private prev: KubeObject | undefined;
  private objectJson: string | undefined;
  private readonly lines: Partial<Record<ObjectEventType, string>> = {};

  constructor(private readonly event: WatchEvent) {
    this.revision = event.revision;
    this.key = event.kv.key;
    this.object = decodeObject(event.kv);
  }

  /** True for a delete. */
  get deleted(): boolean {
    return this.event.type === 'delete';
  }

  /** True when this write created the key. */
  get created(): boolean {
    return this.event.kv.createRevision === this.event.kv.modRevision;
  }

  /** True when the store reported the value this write replaced. */
  get hasPrevious(): boolean {
    return this.event.prevKv !== undefined;
  }

  /** The object before this write, decoded on first use (only selector watches need it). */
  previous(): KubeObject | undefined {
    if (!this.prevDecoded) {
      this.prevDecoded = true;
      this.prev = this.event.prevKv === undefined ? undefined : decodeObject(this.event.prevKv);
    }
    return this.prev;
  }

  /**
   * The wire line `{"type":…,"object":…}\n`, byte for byte what `JSON.stringify({ type, object })` gives; the
   * object is serialised once for every type and every watcher.
   */
  line(type: ObjectEventType): string {
    let line = this.lines[type];
    if (line === undefined) {
      this.objectJson ??= JSON.stringify(this.object);
      // Kept, not rebuilt per watcher: the first socket write flattens this one string for all of them.
      line = `{"type":"${type}","object":${this.objectJson}}\n`;
      this.lines[type] = line;
    }
    return line;
  }
}

/**
 * What a watcher with `filter` sees of `event`, with kube-apiserver's semantics: an object entering the
 * selector is ADDED, one leaving it DELETED, and nothing when it is outside before and after. No filter = all.
 */
export function eventTypeFor(event: CachedEvent, filter: ((obj: KubeObject) => boolean) | undefined): ObjectEventType | undefined {
  if (event.deleted) return filter === undefined || filter(event.object) ? 'DELETED' : undefined;
  const isMatch = filter === undefined || filter(event.object);
  const created = event.created;
  let wasMatch = false;
  if (!created && event.hasPrevious) {
    const prev = event.previous();
    wasMatch = prev !== undefined && (filter === undefined || filter(prev));
  }
  if (isMatch && (created || wasMatch)) return created ? 'ADDED' : 'MODIFIED';
  if (isMatch) return 'ADDED';
  if (wasMatch) return 'DELETED';
  return undefined;
}

/** One watcher of a {@link WatchCache}. Callbacks run synchronously and must not throw. */
export interface CacheWatcherSpec {
  /** Only keys of this namespace (namespaced kinds); undefined = every namespace. */
  readonly namespace?: string;
  readonly filter?: (obj: KubeObject) => boolean;
  /** Deliver events with a revision strictly greater than this one. */
  readonly after: number;
  /** Each event the watcher should see, in revision order, with the type it sees it as. */
  readonly onEvent: (type: ObjectEventType, event: CachedEvent) => void;
  /** Every revision of the kind the watcher has been brought up to, seen or filtered out (for bookmarks). */
  readonly onProgress?: (revision: number) => void;
  /** The cache stopped: `err` says why, undefined when the store closed. No callback follows. */
  readonly onEnd: (err: unknown) => void;
}

/** A registered watcher; `close()` detaches it (idempotent). */
export interface CacheRegistration {
  close(): void;
}

/** Options of {@link WatchCache}. */
export interface WatchCacheOptions {
  /** Events kept for replay (default 1024). */
  readonly capacity?: number;
  /** How long the store watch stays open once the last watcher left, in ms (default 30,000). */
  readonly idleMs?: number;
  /** Called once when the cache has stopped (error, store closed or idle) so its owner can forget it. */
  readonly onStop?: () => void;
}

class Watcher {
  private readonly keyPrefix: string | undefined;

  constructor(
    readonly spec: CacheWatcherSpec,
    type: ResourceType,
  ) {
    this.keyPrefix = type.namespaced && spec.namespace !== undefined ? collectionPrefix(type, spec.namespace) : undefined;
  }

  offer(event: CachedEvent): void {
    if (event.revision <= this.spec.after) return;
    if (this.keyPrefix === undefined || event.key.startsWith(this.keyPrefix)) {
      const type = eventTypeFor(event, this.spec.filter);
      if (type !== undefined) this.spec.onEvent(type, event);
    }
    this.spec.onProgress?.(event.revision);
  }
}

/** The shared fan-out of one kind; see the module comment. Build it with {@link WatchCache.start}. */
export class WatchCache {
  private readonly watchers = new Set<Watcher>();
  private ring: (CachedEvent | undefined)[] = [];
  private ringStart = 0;
  /** Every event of the kind with a revision above this one is in the ring or still to come. */
  private complete: number;
  private stopped = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly capacity: number;
  private readonly idleMs: number;

  private constructor(
    private readonly type: ResourceType,
    private readonly upstream: Watch,
    startRevision: number,
    private readonly options: WatchCacheOptions,
  ) {
    this.complete = startRevision;
    this.capacity = options.capacity ?? 1024;
    this.idleMs = options.idleMs ?? 30_000;
  }

  /** Opens the store watch of `type` at the store's current revision and starts fanning its events out. */
  static async start(backend: Backend, type: ResourceType, options: WatchCacheOptions = {}): Promise<WatchCache> {
    const { revision } = await backend.stats();
    const upstream = backend.watch({ prefix: collectionPrefix(type), fromRevision: revision });
    const cache = new WatchCache(type, upstream, revision, options);
    cache.armIdle();
    void cache.run();
    return cache;
  }

  /** Watchers attached now. */
  get size(): number {
    return this.watchers.size;
  }

  /**
   * Attaches a watcher: replays the kept events after `spec.after` synchronously, then delivers live ones.
   * Undefined when the cache cannot serve it (stopped, or `after` older than its window): watch the store then.
   */
  register(spec: CacheWatcherSpec): CacheRegistration | undefined {
    if (this.stopped || spec.after < this.complete) return undefined;
    const watcher = new Watcher(spec, this.type);
    for (let i = this.ringStart; i < this.ring.length; i++) {
      const event = this.ring[i];
      if (event !== undefined) watcher.offer(event);
    }
    this.watchers.add(watcher);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return {
      close: () => {
        if (this.watchers.delete(watcher) && this.watchers.size === 0) this.armIdle();
      },
    };
  }

  /** Ends the store watch; attached watchers get `onEnd(undefined)`. */
  stop(): void {
    this.finish(undefined);
  }

  private async run(): Promise<void> {
    try {
      for await (const event of this.upstream) {
        if (this.stopped) break;
        this.publish(new CachedEvent(event));
      }
      this.finish(undefined);
    } catch (err) {
      this.finish(err);
    }
  }

  private publish(event: CachedEvent): void {
    this.ring.push(event);
    if (this.ring.length - this.ringStart > this.capacity) {
      const evicted = this.ring[this.ringStart];
      this.ring[this.ringStart] = undefined;
      this.ringStart++;
      if (evicted !== undefined) this.complete = evicted.revision;
      // Compact the backing array now and then instead of shifting on every event.
      if (this.ringStart >= this.capacity) {
        this.ring = this.ring.slice(this.ringStart);
        this.ringStart = 0;
      }
    }
    for (const watcher of this.watchers) watcher.offer(event);
  }

  private armIdle(): void {
    if (this.stopped || this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.watchers.size === 0) this.finish(undefined);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private finish(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.upstream.close();
    this.ring = [];
    const watchers = [...this.watchers];
    this.watchers.clear();
    this.options.onStop?.();
    for (const w of watchers) w.spec.onEnd(err);
  }
}

const caches = new WeakMap<Backend, Map<string, Promise<WatchCache>>>();

/**
 * The running cache of `type` over `backend`, started on first use and shared by every caller until it stops
 * (then the next call starts a fresh one). Rejects when the store cannot report its revision.
 */
export function watchCacheFor(backend: Backend, type: ResourceType, options: Omit<WatchCacheOptions, 'onStop'> = {}): Promise<WatchCache> {
  let byType = caches.get(backend);
  if (byType === undefined) {
    byType = new Map();
    caches.set(backend, byType);
  }
  const key = `${type.group}/${type.plural}`;
  const existing = byType.get(key);
  if (existing !== undefined) return existing;
  const forget = () => {
    if (byType.get(key) === started) byType.delete(key);
  };
  const started = WatchCache.start(backend, type, { ...options, onStop: forget });
  started.catch(forget);
  byType.set(key, started);
  return started;
}
