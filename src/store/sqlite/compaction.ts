/**
 * Compaction of the sqlite log: delete rows superseded at or below the target revision and tombstones at
 * or below it, record the new compaction point, then give the space back (WAL checkpoint + incremental
 * vacuum). Work proceeds in chunks of revisions, one short transaction each, run by the backend's writer
 * between its commits so writes are not stalled behind a long delete and nothing writes during a checkpoint.
 */
import type Database from 'better-sqlite3';
import { prepareWriteMeta, readMeta } from './schema.js';
import type { Statements } from './statements.js';

/** Meta-table key holding the compaction point. */
export const COMPACT_REVISION_KEY = 'compact_revision';

/** Counters for metrics (`converge_store_compactions_total`, …). */
export interface CompactionCounters {
  /** Compactions that removed history (no-op runs are not counted). */
  readonly runs: number;
  /** Rows deleted by all compactions (counted as each chunk commits). */
  readonly rowsDeleted: number;
  /** Wall time of the last compaction, including checkpoint and vacuum, in ms. */
  readonly lastDurationMs: number;
  /** When the last compaction finished (ms since the epoch; 0 = never). */
  readonly lastRunAt: number;
  /** Compactions that failed (the next run retries the same range). */
  readonly failures: number;
}

/** The part of the backend's writer compaction uses (see `writer.ts`). */
export interface SerialWriter {
  /** Runs a write transaction between commits. */
  run(fn: () => void): Promise<void>;
  /** Checkpoints the WAL into the database file and syncs that, so the WAL can be reused. */
  checkpoint(): Promise<void>;
}

/** Options for {@link SqliteCompactor}. */
export interface SqliteCompactorOptions {
  /** Revisions handled per transaction (default 1,000). */
  readonly chunkRevisions?: number;
  /** Called with the number of rows each chunk deleted (keeps the backend's row count right). */
  readonly onDeleted?: (rows: number) => void;
}

/** Runs compactions one at a time and remembers the compaction point. */
export class SqliteCompactor {
  private compacted: number;
  private readonly writeMeta: Database.Statement<[string, number]>;
  private readonly chunk: number;
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;
  private counts: CompactionCounters = { runs: 0, rowsDeleted: 0, lastDurationMs: 0, lastRunAt: 0, failures: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: Statements,
    private readonly writer: SerialWriter,
    private readonly options: SqliteCompactorOptions = {},
  ) {
    this.compacted = readMeta(db, COMPACT_REVISION_KEY);
    this.writeMeta = prepareWriteMeta(db);
    this.chunk = Math.max(1, options.chunkRevisions ?? 1000);
  }

  /**
   * Revisions at and below this may be gone. It moves up before each chunk deletes anything, so a reader
   * that checks it first never misses a row without noticing.
   */
  compactRevision(): number {
    return this.compacted;
  }

  /** Counters since the backend opened. */
  counters(): CompactionCounters {
    return this.counts;
  }

  /** Compacts up to `target` (callers validate it); queued behind any compaction in progress. */
  compact(target: number): Promise<void> {
    const run = this.tail
      .then(() => this.run(target))
      .catch((err: unknown) => {
        this.counts = { ...this.counts, failures: this.counts.failures + 1 };
        throw err;
      });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Stops between chunks; resolves when no compaction is running. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.tail;
  }

  private async run(target: number): Promise<void> {
    if (this.stopped || target <= this.compacted) return;
    const started = performance.now();
    const chunk = this.db.transaction((from: number, to: number) => {
      const n =
        this.stmts.deleteSuperseded.run({ from, to }).changes +
        this.stmts.deleteTombstones.run({ from, to }).changes;
      this.writeMeta.run(COMPACT_REVISION_KEY, to);
      return n;
    });
    while (this.compacted < target && !this.stopped) {
      const from = this.compacted;
      const to = Math.min(target, from + this.chunk);
      this.compacted = to;
      let n = 0;
      try {
        await this.writer.run(() => {
          n = chunk(from, to);
        });
      } catch (err) {
        // Nothing was deleted: move back so the next run covers this chunk again.
        this.compacted = from;
        throw err;
      }
      this.counts = { ...this.counts, rowsDeleted: this.counts.rowsDeleted + n };
      this.options.onDeleted?.(n);
    }
    if (!this.stopped && this.db.open) {
      await this.writer.run(() => {
        this.db.pragma('incremental_vacuum');
      });
      await this.writer.checkpoint();
    }
    this.counts = {
      ...this.counts,
      runs: this.counts.runs + 1,
      lastDurationMs: performance.now() - started,
      lastRunAt: Date.now(),
    };
  }
}
