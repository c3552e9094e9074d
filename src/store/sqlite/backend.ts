/**
 * The sqlite backend: the embedded default store. kine's log-structured table (see `schema.ts`) in one
 * file owned exclusively by this process, group-committed writes (`writer.ts`), in-process watches that
 * tail the log (`../log/watch.ts`) and automatic compaction (`compaction.ts`).
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { UnavailableError } from '../../errors/index.js';
import {
  DEFAULT_COMPACT_INTERVAL_MS,
  DEFAULT_RETAIN_REVISIONS,
  startAutoCompaction,
  type AutoCompactor,
} from '../auto-compact.js';
import { compareKeys, prefixEnd } from '../keys.js';
import { rowToKeyValue, type LogRow } from '../log/row.js';
import { LogWatchHub, type LogSource } from '../log/watch.js';
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
import { SqliteCompactor, type CompactionCounters } from './compaction.js';
import { openDatabase, readSequence } from './schema.js';
import { NO_UPPER_BOUND, prepareStatements, toLogRow, type Statements } from './statements.js';
import type { WriteOp } from '../log/plan.js';
import { GroupCommitWriter } from './writer.js';
import { openFileSync, type FileSync } from './durability.js';

/** {@link BackendStats} plus what only the sqlite backend knows. */
export interface SqliteStats extends BackendStats {
  /** Rows in the log, history included (what compaction bounds). */
  readonly rows: number;
  /** Open watches. */
  readonly watches: number;
  readonly compaction: CompactionCounters;
}

/** The sqlite backend; open it with {@link openSqliteBackend} or `openBackend('sqlite://PATH')`. */
export class SqliteBackend implements Backend, LogSource {
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly writer: GroupCommitWriter;
  private readonly files: FileSync;
  private readonly compactor: SqliteCompactor;
  private readonly auto: AutoCompactor;
  private readonly hub: LogWatchHub;
  private revision: number;
  private liveKeys: number;
  private rows: number;
  private closed = false;

  /**
   * Opens (creating if needed) the store file at `path`; see `openDatabase` for locking errors. `syncFiles`
   * opens what syncs the files (tests pass one that lets them hold a commit between write and fsync).
   */
  constructor(
    readonly path: string,
    options: BackendOptions = {},
    syncFiles: (path: string) => FileSync = openFileSync,
  ) {
    this.db = openDatabase(path);
    this.stmts = prepareStatements(this.db);
    this.revision = readSequence(this.db);
    this.liveKeys = this.stmts.countLive.get()?.n ?? 0;
    this.rows = this.stmts.countRows.get()?.n ?? 0;
    try {
      this.files = syncFiles(path);
    } catch (err) {
      this.db.close();
      throw new UnavailableError(`sqlite store ${path}: cannot open its files for syncing: ${String(err)}`, { cause: err });
    }
    this.writer = new GroupCommitWriter(this.db, this.stmts, {
      revision: () => this.revision,
      committed: (rows) => this.committed(rows),
    }, this.files);
    this.compactor = new SqliteCompactor(this.db, this.stmts, this.writer, {
      onDeleted: (n) => {
        this.rows -= n;
      },
    });
    this.hub = new LogWatchHub(this);
    this.auto = startAutoCompaction(
      {
        currentRevision: () => this.revision,
        compactRevision: () => this.compactor.compactRevision(),
        compact: (revision) => this.compactor.compact(revision),
      },
      {
        retainRevisions: options.retainRevisions ?? DEFAULT_RETAIN_REVISIONS,
        intervalMs: options.compactIntervalMs ?? DEFAULT_COMPACT_INTERVAL_MS,
      },
    );
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    // Bounded by the published revision: a committed write is invisible until it is durable.
    const row = this.stmts.latestAt.get(key, this.revision);
    return row === undefined || row.deleted === 1 ? undefined : rowToKeyValue(toLogRow(row));
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.checkOpen();
    const limit = checkLimit(options.limit);
    const revision = rangeRevision(options.revision, this.revision, this.compactor.compactRevision());
    const { prefix, startAfter } = options;
    const after = startAfter !== undefined && compareKeys(startAfter, prefix) >= 0;
    const stmt = after ? this.stmts.rangeAfter : this.stmts.rangeFrom;
    const rows = stmt.all({
      lo: after ? startAfter : prefix,
      hi: prefixEnd(prefix) ?? NO_UPPER_BOUND,
      rev: revision,
      limit: limit > 0 ? limit + 1 : -1,
    });
    const more = limit > 0 && rows.length > limit;
    const kvs = (more ? rows.slice(0, limit) : rows).map((r) => rowToKeyValue(toLogRow(r)));
    return { kvs, revision, more };
  }

  create(key: string, value: string): Promise<WriteResult> {
    return this.write({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    return this.write({ kind: 'update', key, value, expected: expectedModRevision });
  }

  delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    return this.write({ kind: 'delete', key, expected: expectedModRevision });
  }

  watch(options: WatchOptions): Watch {
    const w = this.hub.watch(options);
    if (this.closed) w.close();
    return w;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (!compactTarget(revision, this.revision, this.compactor.compactRevision())) return;
    await this.compactor.compact(revision);
  }

  async stats(): Promise<SqliteStats> {
    this.checkOpen();
    return {
      revision: this.revision,
      compactRevision: this.compactor.compactRevision(),
      keys: this.liveKeys,
      sizeBytes: this.sizeBytes(),
      rows: this.rows,
      watches: this.hub.size,
      compaction: this.compactor.counters(),
    };
  }

  /** Runs one automatic compaction now (`current - retainRevisions`), as the timer would. */
  compactNow(): Promise<void> {
    return this.auto.runOnce();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.idle();
    this.hub.closeAll();
    await this.auto.stop();
    await this.compactor.stop();
    // Leave everything checkpointed into a synced database file; and should SQLite's own closing checkpoint
    // find anything (it cannot: writes were refused from the first line), let it sync.
    await this.writer.checkpoint().catch(() => undefined);
    this.db.pragma('synchronous = FULL');
    this.db.close();
    this.files.close();
  }

  currentRevision(): number {
    return this.revision;
  }

  compactRevision(): number {
    return this.compactor.compactRevision();
  }

  rowsAfter(query: { after: number; upTo: number; prefix: string; limit: number }): LogRow[] {
    return this.stmts.rowsAfter
      .all({
        after: query.after,
        upTo: query.upTo,
        lo: query.prefix,
        hi: prefixEnd(query.prefix) ?? NO_UPPER_BOUND,
        limit: query.limit,
      })
      .map(toLogRow);
  }

  private async write(op: WriteOp): Promise<WriteResult> {
    this.checkOpen();
    checkKey(op.key);
    if (op.kind !== 'create' && op.expected !== undefined) checkRevision('expected modRevision', op.expected);
    const row = await this.writer.submit(op);
    return { kv: rowToKeyValue(row), revision: row.id };
  }

  private committed(rows: readonly LogRow[]): void {
    for (const row of rows) {
      this.revision = row.id;
      if (row.created) this.liveKeys++;
      if (row.deleted) this.liveKeys--;
    }
    this.rows += rows.length;
    this.hub.publish(rows);
  }

  private sizeBytes(): number {
    if (this.path === ':memory:') return 0;
    const pages = Number(this.db.pragma('page_count', { simple: true }));
    const pageSize = Number(this.db.pragma('page_size', { simple: true }));
    let wal = 0;
    try {
      wal = statSync(`${this.path}-wal`).size;
    } catch {
      // No WAL file right after a TRUNCATE checkpoint.
    }
    return pages * pageSize + wal;
  }

  private checkOpen(): void {
    if (this.closed) throw new UnavailableError(`sqlite store ${this.path} is closed`);
  }
}
