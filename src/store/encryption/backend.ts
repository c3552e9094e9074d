/**
 * A {@link Backend} that encrypts the values of chosen key prefixes on the way in and decrypts them on the way
 * out, like kube-apiserver's storage transformers (which sit between its etcd3 store and etcd, configured per
 * resource). Sitting at the Backend seam rather than in the registry codec means every reader of the store gets
 * the same view with no call site of its own to remember: registry get/list/watch/create/update/apply/patch/
 * delete, the API server's shared watch cache, and anything added later. Keys outside the prefixes (leases,
 * journal, every other kind) pass through untouched, so the cost is paid only by the kinds that need it.
 */
import type { Backend, BackendStats, KeyValue, RangeOptions, RangeResult, Watch, WatchEvent, WatchOptions, WriteResult } from '../types.js';
import type { ValueTransformer } from './aesgcm.js';

/** Options of {@link EncryptingBackend}. */
export interface EncryptingBackendOptions {
  /** The store holding the encrypted values. */
  readonly inner: Backend;
  readonly transformer: ValueTransformer;
  /** Key prefixes whose values are encrypted, e.g. `/registry/core/secrets/`. */
  readonly prefixes: readonly string[];
}

/** See the module comment. Errors of the inner backend pass through; a value that cannot be decrypted throws. */
export class EncryptingBackend implements Backend {
  /** The undecorated store: for re-encryption and for tests that check what is really stored. */
  readonly inner: Backend;
  readonly transformer: ValueTransformer;
  private readonly prefixes: readonly string[];

  constructor(options: EncryptingBackendOptions) {
    this.inner = options.inner;
    this.transformer = options.transformer;
    this.prefixes = options.prefixes;
  }

  /** True when values under `key` are encrypted. */
  covers(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  private in(key: string, value: string): string {
    return this.covers(key) ? this.transformer.toStorage(key, value) : value;
  }

  private out(kv: KeyValue): KeyValue {
    return this.covers(kv.key) ? { ...kv, value: this.transformer.fromStorage(kv.key, kv.value).value } : kv;
  }

  private outWrite(result: WriteResult): WriteResult {
    return { ...result, kv: this.out(result.kv) };
  }

  private outEvent(event: WatchEvent): WatchEvent {
    if (!this.covers(event.kv.key)) return event;
    return { ...event, kv: this.out(event.kv), ...(event.prevKv !== undefined ? { prevKv: this.out(event.prevKv) } : {}) };
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const kv = await this.inner.get(key);
    return kv === undefined ? undefined : this.out(kv);
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    const result = await this.inner.range(options);
    return { ...result, kvs: result.kvs.map((kv) => this.out(kv)) };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    return this.outWrite(await this.inner.create(key, this.in(key, value)));
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    return this.outWrite(await this.inner.update(key, this.in(key, value), expectedModRevision));
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    return this.outWrite(await this.inner.delete(key, expectedModRevision));
  }

  /** Events decrypted one by one; an event that cannot be decrypted ends the iteration with that error. */
  watch(options: WatchOptions): Watch {
    const upstream = this.inner.watch(options);
    const outEvent = (event: WatchEvent) => this.outEvent(event);
    return {
      close: () => upstream.close(),
      async *[Symbol.asyncIterator]() {
        try {
          for await (const event of upstream) yield outEvent(event);
        } finally {
          upstream.close();
        }
      },
    };
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  stats(): Promise<BackendStats> {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
