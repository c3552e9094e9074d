/**
 * The etcd backend (production / HA): etcd's own revisions, compare-and-swap transactions and watches,
 * through etcd3's low-level gRPC clients. Reads are linearizable. Every key is stored under the URL's
 * key prefix.
 */
import { Etcd3, type ICompare, type IKeyValue, type IRangeRequest, type IResponseHeader } from 'etcd3';
import { AlreadyExistsError, CompactedError, ConflictError, NotFoundError, UnavailableError } from '../../errors/index.js';
import { startAutoCompaction, DEFAULT_COMPACT_INTERVAL_MS, type AutoCompactor } from '../auto-compact.js';
import { compareKeys } from '../keys.js';
import type {
  Backend,
  BackendOptions,
  BackendStats,
  KeyValue,
  RangeOptions,
  RangeResult,
  Watch,
  WatchOptions,
  WriteResult,
} from '../types.js';
import { checkKey, checkLimit, checkRevision, compactTarget } from '../validate.js';
import { isCompactedRevision, mapEtcdError } from './errors.js';
import { HostBreaker } from './host-breaker.js';
import { Keyspace } from './keyspace.js';
import type { EtcdTarget } from './url.js';
import { EtcdWatch } from './watch.js';

/** Options of the etcd backend beyond {@link BackendOptions}. */
export interface EtcdBackendOptions extends BackendOptions {
  /** Deadline of each unary call, in ms (default 10,000). Watches have none. */
  readonly callTimeoutMs?: number;
}

/** The etcd backend; open it with `openBackend('etcd://…')`. */
export class EtcdBackend implements Backend {
  private readonly space: Keyspace;
  private seen = 0;
  private knownCompact = 0;
  private readonly watches = new Set<EtcdWatch>();
  private auto: AutoCompactor | undefined;
  private closed = false;

  /** Use {@link EtcdBackend.connect}, which also checks that etcd answers. */
  private constructor(
    private readonly client: Etcd3,
    target: EtcdTarget,
  ) {
    this.space = new Keyspace(target.keyPrefix);
  }

  /**
   * Connects and checks that etcd answers (else {@link UnavailableError}). Automatic compaction runs only
   * when `retainRevisions` is given: etcd compaction is cluster-wide and often left to etcd itself.
   */
  static async connect(target: EtcdTarget, options: EtcdBackendOptions = {}): Promise<EtcdBackend> {
    const timeout = options.callTimeoutMs ?? 10_000;
    const client = new Etcd3({
      hosts: [...target.hosts],
      dialTimeout: Math.min(timeout, 5000),
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
      // Skip only members that cannot be reached: etcd3's default breaker also counts the "request timed
      // out" / "leader changed" answers healthy members give during a raft election (see HostBreaker).
      faultHandling: { host: (host) => new HostBreaker(host) },
    });
    const backend = new EtcdBackend(client, target);
    try {
      await backend.stats();
    } catch (err) {
      client.close();
      throw err;
    }
    const retain = options.retainRevisions ?? 0;
    if (retain > 0) {
      backend.auto = startAutoCompaction(
        {
          currentRevision: async () => (await backend.stats()).revision,
          compactRevision: () => backend.knownCompact,
          compact: (revision) => backend.compact(revision),
        },
        { retainRevisions: retain, intervalMs: options.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS },
      );
    }
    return backend;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call(`get ${key}`, () => this.client.kv.range({ key: this.space.key(key) }));
    this.saw(res.header);
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.space.toKeyValue(kv);
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    const limit = checkLimit(options.limit);
    const requested = options.revision ?? 0;
    checkRevision('range revision', requested);
    const { key, range_end } = this.space.range(options.prefix);
    const after = options.startAfter !== undefined && compareKeys(options.startAfter, options.prefix) >= 0;
    const start = after && options.startAfter !== undefined ? this.space.after(options.startAfter) : key;
    const request: IRangeRequest = { key: start, range_end, limit, revision: requested, serializable: false };
    const empty = range_end.length > 1 || range_end[0] !== 0 ? Buffer.compare(start, range_end) >= 0 : false;
    if (empty) {
      // etcd reads a range whose start is past its end as "one key"; ask only for the header.
      request.key = range_end;
      request.count_only = true;
    }
    let res;
    try {
      res = await this.call(`range ${options.prefix}`, () => this.client.kv.range(request));
    } catch (err) {
      if (isCompactedRevision(err)) throw new CompactedError(requested, await this.compactRevision());
      throw err;
    }
    this.saw(res.header);
    const kvs = empty ? [] : res.kvs.map((kv) => this.space.toKeyValue(kv));
    return { kvs, revision: requested > 0 ? requested : Number(res.header.revision), more: !empty && res.more };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    checkKey(key);
    const k = this.space.key(key);
    const res = await this.call(`create ${key}`, () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      }),
    );
    this.saw(res.header);
    if (!res.succeeded) throw new AlreadyExistsError(`key ${key} already exists`);
    const revision = Number(res.header.revision);
    return { kv: { key, value, createRevision: revision, modRevision: revision }, revision };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    checkRevision('expected modRevision', expectedModRevision);
    const k = this.space.key(key);
    const res = await this.call(`update ${key}`, () =>
      this.client.kv.txn({
        compare: this.guard(k, expectedModRevision),
        success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    this.saw(res.header);
    if (!res.succeeded) this.explainFailure(key, expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const revision = Number(res.header.revision);
    const createRevision = prev ? Number(prev.create_revision) : revision;
    return { kv: { key, value, createRevision, modRevision: revision }, revision };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    if (expectedModRevision !== undefined) checkRevision('expected modRevision', expectedModRevision);
    const k = this.space.key(key);
    const res = await this.call(`delete ${key}`, () =>
      this.client.kv.txn({
        compare: this.guard(k, expectedModRevision),
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    this.saw(res.header);
    if (!res.succeeded) this.explainFailure(key, expectedModRevision, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (prev === undefined) throw new NotFoundError(`key ${key} not found`);
    const revision = Number(res.header.revision);
    const last = this.space.toKeyValue(prev);
    return { kv: { ...last, modRevision: revision }, revision };
  }

  watch(options: WatchOptions): Watch {
    const w = new EtcdWatch(
      {
        client: this.client.watchClient,
        space: this.space,
        seenRevision: () => this.seen,
        onCompacted: (revision) => {
          this.knownCompact = Math.max(this.knownCompact, revision);
        },
        onClose: (closed) => this.watches.delete(closed),
      },
      options,
    );
    if (this.closed) w.close();
    else this.watches.add(w);
    return w;
  }

  async compact(revision: number): Promise<void> {
    checkRevision('compact revision', revision);
    const current = (await this.status()).revision;
    if (!compactTarget(revision, current, this.knownCompact)) return;
    try {
      await this.call(`compact ${revision}`, () => this.client.kv.compact({ revision, physical: false }));
    } catch (err) {
      if (!isCompactedRevision(err)) throw err;
    }
    this.knownCompact = Math.max(this.knownCompact, revision);
  }

  async stats(): Promise<BackendStats> {
    const { revision, dbSize } = await this.status();
    const { key, range_end } = this.space.range('');
    const count = await this.call('count keys', () => this.client.kv.range({ key, range_end, count_only: true }));
    return { revision, compactRevision: await this.compactRevision(), keys: Number(count.count), sizeBytes: dbSize };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watches) w.close();
    this.watches.clear();
    await this.auto?.stop();
    this.client.close();
  }

  /** The compare of a conditional update/delete: the key exists, and is at `expected` when given. */
  private guard(key: Buffer, expected: number | undefined): ICompare[] {
    const exists: ICompare = { key, target: 'Create', result: 'Greater', create_revision: 0 };
    return expected === undefined ? [exists] : [exists, { key, target: 'Mod', result: 'Equal', mod_revision: expected }];
  }

  /** Throws the error a failed conditional write deserves, given the key's current value. */
  private explainFailure(key: string, expected: number | undefined, current: IKeyValue | undefined): never {
    if (current === undefined) throw new NotFoundError(`key ${key} not found`);
    throw new ConflictError(`key ${key} is at revision ${current.mod_revision}, not ${expected}`);
  }

  private async status(): Promise<{ revision: number; dbSize: number }> {
    const res = await this.call('status', () => this.client.maintenance.status());
    this.saw(res.header);
    return { revision: Number(res.header.revision), dbSize: Number(res.dbSize) };
  }

  /**
   * etcd does not report its compaction point, but a read at revision r fails exactly when r is below it;
   * so binary-search the oldest readable revision, starting from the last one known.
   */
  private async compactRevision(): Promise<number> {
    const readable = async (revision: number): Promise<boolean> => {
      try {
        await this.call('probe', () => this.client.kv.range({ key: this.space.key('\0'), revision, count_only: true }));
        return true;
      } catch (err) {
        if (isCompactedRevision(err)) return false;
        throw err;
      }
    };
    let lo = Math.max(1, this.knownCompact);
    if (await readable(lo)) return this.knownCompact;
    let hi = this.seen;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.knownCompact = Math.max(this.knownCompact, hi);
    return this.knownCompact;
  }

  /** Runs one etcd call, mapping its failures (and calls after close) to catalogue errors. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new UnavailableError(`etcd store is closed (${what})`);
    try {
      return await fn();
    } catch (err) {
      throw mapEtcdError(err, what);
    }
  }

  private saw(header: IResponseHeader | undefined): void {
    const revision = Number(header?.revision ?? 0);
    if (revision > this.seen) this.seen = revision;
  }
}
