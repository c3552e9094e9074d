/**
 * The storage contract, modelled on etcd's semantics. Every backend (sqlite, etcd, memory) implements
 * exactly this and passes the same conformance suite (`test/store/conformance.ts`).
 *
 * Revisions: one global, strictly increasing counter per store. Every successful write (create, update,
 * delete) gets a new revision. A key's `modRevision` is the revision of its last write and its
 * `createRevision` the revision that created it. `resourceVersion` in the API is `modRevision`.
 */

/** One stored key and its current value. */
export interface KeyValue {
  readonly key: string;
  /** The stored value (JSON text for API objects). */
  readonly value: string;
  /** Revision that created this key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last write to this key. */
  readonly modRevision: number;
}

/** Options for {@link Backend.range}. */
export interface RangeOptions {
  /** Only keys starting with this prefix. Use a trailing `/` to mean "a directory". */
  readonly prefix: string;
  /** Return keys strictly greater than this one (pagination continue point). */
  readonly startAfter?: string;
  /** At most this many keys (0 or undefined = no limit). */
  readonly limit?: number;
  /**
   * Read the store as of this revision (a consistent snapshot for paginated lists).
   * Throws {@link CompactedError} if it is older than the compaction point. Undefined = latest.
   */
  readonly revision?: number;
}

/** Result of {@link Backend.range}. */
export interface RangeResult {
  /** Matching keys in ascending key order. */
  readonly kvs: readonly KeyValue[];
  /** The revision the read was served at (the store's current revision when none was asked for). */
  readonly revision: number;
  /** True when more keys match beyond `limit`. */
  readonly more: boolean;
}

/** Result of a write. */
export interface WriteResult {
  /** The new key-value as stored (for delete: the value before deletion). */
  readonly kv: KeyValue;
  /** Revision of this write. */
  readonly revision: number;
}

/** A change event delivered by {@link Backend.watch}. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  /** For put: the new key-value. For delete: the last value before deletion, with `modRevision` = the delete's revision. */
  readonly kv: KeyValue;
  /** The previous value for updates and deletes, when known. */
  readonly prevKv?: KeyValue;
  /** Revision of the write that caused this event. */
  readonly revision: number;
}

/** Options for {@link Backend.watch}. */
export interface WatchOptions {
  readonly prefix: string;
  /**
   * Deliver every event with revision strictly greater than this one, in revision order, without gaps.
   * Throws (from the iterator) {@link CompactedError} if `fromRevision + 1` has been compacted.
   * Undefined = only events after the current revision.
   */
  readonly fromRevision?: number;
  /** Aborting ends the iteration cleanly. */
  readonly signal?: AbortSignal;
}

/** An ordered stream of change events; `close()` ends it (iteration then completes). */
export interface Watch extends AsyncIterable<WatchEvent> {
  close(): void;
}

/** Store statistics for metrics and `/readyz`. */
export interface BackendStats {
  readonly revision: number;
  readonly compactRevision: number;
  /** Number of live keys. */
  readonly keys: number;
  /** Size of the backing storage in bytes where known (sqlite file, etcd db size); 0 otherwise. */
  readonly sizeBytes: number;
}

/**
 * A key-value store with MVCC revisions, compare-and-swap and ordered watches.
 *
 * Errors: {@link AlreadyExistsError} on create of a present key, {@link NotFoundError} on update/delete of an
 * absent key, {@link ConflictError} when `expectedModRevision` differs, {@link CompactedError} for reads or
 * watches below the compaction point, {@link UnavailableError} when the backing server cannot be reached.
 */
export interface Backend {
  /** Current value of `key`, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys under a prefix, ordered by key, with limit/continue and optional snapshot revision. */
  range(options: RangeOptions): Promise<RangeResult>;
  /** Create `key` only if absent. */
  create(key: string, value: string): Promise<WriteResult>;
  /** Replace `key` only if its modRevision equals `expectedModRevision`. */
  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult>;
  /** Delete `key`, only if its modRevision equals `expectedModRevision` when given. Returns the deleted value. */
  delete(key: string, expectedModRevision?: number): Promise<WriteResult>;
  /** Ordered, gap-free change events under a prefix, starting after `fromRevision`. */
  watch(options: WatchOptions): Watch;
  /** Discard history at and below `revision` (current values are kept). */
  compact(revision: number): Promise<void>;
  /** Current revision, compaction point and size. */
  stats(): Promise<BackendStats>;
  /** Release resources; pending watches end. */
  close(): Promise<void>;
}

/** Options passed to a backend factory. */
export interface BackendOptions {
  /**
   * Keep at least this many revisions of history before automatic compaction (default 10,000 in sqlite;
   * 0 disables automatic compaction). Watches resuming below the kept window get {@link CompactedError}.
   */
  readonly retainRevisions?: number;
  /** How often automatic compaction runs, in ms (default 60,000). */
  readonly compactIntervalMs?: number;
}

/**
 * Builds a backend from its URL, e.g. `sqlite:///var/lib/converge/state.db`, `etcd://h1:2379,h2:2379`,
 * `memory://`. The URL is passed as text because `etcd://` lists several hosts, which WHATWG URL rejects.
 */
export type BackendFactory = (url: string, options: BackendOptions) => Promise<Backend>;
