/**
 * The memory backend: the reference semantics of {@link Backend}, for unit tests. Nothing survives the
 * process. Writes are applied synchronously, so operations complete in the order they are called.
 */
import { ConvergeError, UnavailableError } from '../../errors/index.js';
import {
  DEFAULT_COMPACT_INTERVAL_MS,
  DEFAULT_RETAIN_REVISIONS,
  startAutoCompaction,
  type AutoCompactor,
} from '../auto-compact.js';
import { planWrite, type WriteOp } from '../log/plan.js';
import { rowToKeyValue } from '../log/row.js';
import { LogWatchHub } from '../log/watch.js';
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
import { checkKey, checkLimit, checkRevision, compactTarget, rangeRevision } from '../validate.js';
import { MemoryLog } from './log.js';

/** An in-process MVCC store; see the module comment. */
export class MemoryBackend implements Backend {
  private readonly log = new MemoryLog();
  private readonly hub = new LogWatchHub(this.log);
  private readonly compactor: AutoCompactor;
  private closed = false;

  constructor(options: BackendOptions = {}) {
    this.compactor = startAutoCompaction(
      {
        currentRevision: () => this.log.currentRevision(),
        compactRevision: () => this.log.compactRevision(),
        compact: (revision) => this.compact(revision),
      },
      {
        retainRevisions: options.retainRevisions ?? DEFAULT_RETAIN_REVISIONS,
        intervalMs: options.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS,
      },
    );
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const row = this.log.latest(key);
    return row === undefined || row.deleted ? undefined : rowToKeyValue(row);
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.checkOpen();
    const limit = checkLimit(options.limit);
    const revision = rangeRevision(options.revision, this.log.currentRevision(), this.log.compactRevision());
    const rows = this.log.scan({
      prefix: options.prefix,
      startAfter: options.startAfter,
      revision,
      limit,
    });
    const more = limit > 0 && rows.length > limit;
    const kvs = (more ? rows.slice(0, limit) : rows).map(rowToKeyValue);
    return { kvs, revision, more };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    return this.write({ kind: 'create', key, value });
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    return this.write({ kind: 'update', key, value, expected: expectedModRevision });
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    return this.write({ kind: 'delete', key, expected: expectedModRevision });
  }

  watch(options: WatchOptions): Watch {
    const w = this.hub.watch(options);
    if (this.closed) w.close();
    return w;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (!compactTarget(revision, this.log.currentRevision(), this.log.compactRevision())) return;
    this.log.compact(revision);
  }

  async stats(): Promise<BackendStats> {
    this.checkOpen();
    return {
      revision: this.log.currentRevision(),
      compactRevision: this.log.compactRevision(),
      keys: this.log.liveKeys(),
      sizeBytes: 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll();
    await this.compactor.stop();
  }

  /** Applies a write synchronously, so concurrent callers are serialised in call order. */
  private write(op: WriteOp): WriteResult {
    this.checkOpen();
    checkKey(op.key);
    if (op.kind !== 'create' && op.expected !== undefined) checkRevision('expected modRevision', op.expected);
    const row = planWrite(op, this.log.latest(op.key), this.log.currentRevision() + 1);
    if (row instanceof ConvergeError) throw row;
    this.log.append(row);
    this.hub.publish([row]);
    return { kv: rowToKeyValue(row), revision: row.id };
  }

  private checkOpen(): void {
    if (this.closed) throw new UnavailableError('memory store is closed');
  }
}

/** Opens a fresh, empty memory backend (the URL `memory://` carries no settings). */
export async function openMemoryBackend(_url: string, options: BackendOptions): Promise<MemoryBackend> {
  return new MemoryBackend(options);
}
