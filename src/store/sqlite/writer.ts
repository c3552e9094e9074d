/**
 * The sqlite backend's single writer. Every write transaction and every checkpoint goes through it, one at
 * a time, in submission order:
 *
 * - Group commit: writes queued while the previous commit was syncing are applied in submission order
 *   inside ONE transaction, so many concurrent writers share one fsync, yet every write gets its own
 *   revision and its own outcome (a failed compare-and-swap rejects only that write). Each check-and-insert
 *   (`planWrite`) runs inside the transaction, so create-if-absent and update/delete-if-modRevision are
 *   atomic.
 * - Durability off the event loop (see `durability.ts`): after the transaction the writer awaits an fsync
 *   of the WAL on the thread pool; only then does it publish the rows (`committed`) and settle the promises.
 * - Other write transactions (compaction) run through {@link GroupCommitWriter.run} and checkpoints through
 *   {@link GroupCommitWriter.checkpoint}, so nothing writes to the WAL while a checkpoint waits for the
 *   database file to sync. A checkpoint also runs by itself once about `checkpointBytes` went into the WAL
 *   since the last one; it leaves the WAL file's size alone, so SQLite reuses it from the start and later
 *   commits overwrite blocks instead of growing the file (an fsync that must also journal a new file size is
 *   the slow kind on ext4). A checkpoint that finds the file past 4 × `checkpointBytes` (after one huge
 *   batch) truncates it to give the space back.
 *
 * If an fsync or checkpoint fails the store cannot promise durability any more: the writer refuses every
 * later write with {@link UnavailableError} until the process restarts (reads keep working).
 */
import { ConvergeError, UnavailableError } from '../../errors/index.js';
import type Database from 'better-sqlite3';
import { planWrite, type WriteOp } from '../log/plan.js';
import type { LogRow } from '../log/row.js';
import type { FileSync } from './durability.js';
import { toLogRow, type Statements } from './statements.js';

/** What the writer needs from its backend. */
export interface WriterHooks {
  /** Revision of the newest published write. */
  revision(): number;
  /** Called with the rows of each durable batch, before any of their promises settle. */
  committed(rows: readonly LogRow[]): void;
}

/** Tuning for {@link GroupCommitWriter}. */
export interface WriterOptions {
  /** Most writes in one transaction (default 1,000). */
  readonly maxBatch?: number;
  /**
   * Bytes written to the WAL since the last checkpoint (estimated from the rows committed, see
   * {@link estimateWalBytes}) that trigger one: default 4 MiB, about SQLite's own 1,000 pages.
   */
  readonly checkpointBytes?: number;
}

interface Settle<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
}

type Job =
  | ({ readonly kind: 'write'; readonly op: WriteOp } & Settle<LogRow>)
  | ({ readonly kind: 'task'; readonly fn: () => void } & Settle<void>)
  | ({ readonly kind: 'checkpoint' } & Settle<void>);

type WriteJob = Extract<Job, { kind: 'write' }>;

const PAGE_BYTES = 4096;

/**
 * What a transaction adds to the WAL, roughly: a few whole pages however small it is (table leaf, index leaf,
 * sqlite_sequence) plus the rows' bytes. Only the checkpoint rhythm depends on it, never correctness.
 */
export function estimateWalBytes(rows: readonly LogRow[]): number {
  let bytes = 3 * PAGE_BYTES;
  for (const row of rows) bytes += row.name.length + row.value.length + (row.oldValue?.length ?? 0);
  return bytes;
}

/** Serialises and group-commits writes; see the module comment. */
export class GroupCommitWriter {
  private jobs: Job[] = [];
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private failure: UnavailableError | undefined;
  private walSinceCheckpoint = 0;
  private readonly apply: (batch: readonly WriteJob[]) => (LogRow | ConvergeError)[];
  private readonly maxBatch: number;
  private readonly checkpointBytes: number;

  constructor(
    private readonly db: Database.Database,
    private readonly stmts: Statements,
    private readonly hooks: WriterHooks,
    private readonly files: FileSync,
    options: WriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 1000);
    this.checkpointBytes = options.checkpointBytes ?? 4 * 1024 * 1024;
    this.apply = db.transaction((batch: readonly WriteJob[]) => {
      let next = this.hooks.revision();
      return batch.map(({ op }) => {
        const found = this.stmts.latest.get(op.key);
        const outcome = planWrite(op, found === undefined ? undefined : toLogRow(found), next + 1);
        if (!(outcome instanceof ConvergeError)) {
          this.stmts.insert.run({
            id: outcome.id,
            name: outcome.name,
            created: outcome.created ? 1 : 0,
            deleted: outcome.deleted ? 1 : 0,
            create_revision: outcome.createRevision,
            prev_revision: outcome.prevRevision,
            value: outcome.value,
            old_value: outcome.oldValue,
          });
          next = outcome.id;
        }
        return outcome;
      });
    });
  }

  /** Queues a write; resolves with its row once it is durable and published, rejects with its error. */
  submit(op: WriteOp): Promise<LogRow> {
    return new Promise<LogRow>((resolve, reject) => this.enqueue({ kind: 'write', op, resolve, reject }));
  }

  /** Runs `fn` (a write transaction of the backend's own, e.g. compaction) between commits; then syncs. */
  run(fn: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue({ kind: 'task', fn, resolve, reject }));
  }

  /** Copies the WAL into the database file and syncs it, between commits; the WAL is then reused. */
  checkpoint(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue({ kind: 'checkpoint', resolve, reject }));
  }

  /** Resolves once nothing is queued or in progress. */
  idle(): Promise<void> {
    if (!this.draining && this.jobs.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(job: Job): void {
    if (this.failure !== undefined) {
      job.reject(this.failure);
      return;
    }
    this.jobs.push(job);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.jobs.length > 0) {
        const first = this.jobs[0];
        if (first?.kind === 'write') await this.commit(this.takeWrites());
        else if (first !== undefined) {
          this.jobs.shift();
          await this.runJob(first);
        }
        if (this.failure === undefined && this.walSinceCheckpoint >= this.checkpointBytes) {
          await this.guard(() => this.checkpointNow());
        }
      }
    } finally {
      this.draining = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private takeWrites(): WriteJob[] {
    let n = 0;
    while (n < this.jobs.length && n < this.maxBatch && this.jobs[n]?.kind === 'write') n++;
    return this.jobs.splice(0, n) as WriteJob[];
  }

  private async commit(batch: readonly WriteJob[]): Promise<void> {
    let outcomes: (LogRow | ConvergeError)[];
    try {
      outcomes = this.apply(batch);
    } catch (err) {
      const failure = new UnavailableError(`sqlite write failed: ${String(err)}`, { cause: err });
      for (const job of batch) job.reject(failure);
      return;
    }
    if (!(await this.guard(() => this.files.syncWal()))) {
      for (const job of batch) job.reject(this.failure);
      return;
    }
    const rows = outcomes.filter((o): o is LogRow => !(o instanceof ConvergeError));
    this.walSinceCheckpoint += estimateWalBytes(rows);
    this.hooks.committed(rows);
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined || outcome instanceof ConvergeError) job.reject(outcome);
      else job.resolve(outcome);
    });
  }

  private async runJob(job: Exclude<Job, WriteJob>): Promise<void> {
    if (job.kind === 'checkpoint') {
      if (await this.guard(() => this.checkpointNow())) job.resolve();
      else job.reject(this.failure);
      return;
    }
    try {
      job.fn();
    } catch (err) {
      job.reject(err);
      return;
    }
    this.walSinceCheckpoint += estimateWalBytes([]);
    if (await this.guard(() => this.files.syncWal())) job.resolve();
    else job.reject(this.failure);
  }

  /** Copies the WAL into the database file and syncs that; then truncates the WAL if it is oversized. */
  private async checkpointNow(): Promise<void> {
    this.db.pragma('wal_checkpoint(PASSIVE)');
    await this.files.syncDatabase();
    this.walSinceCheckpoint = 0;
    if (this.files.walBytes() > 4 * this.checkpointBytes) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /**
   * Runs a sync or checkpoint step; on failure the writer stops accepting writes (see the module comment)
   * and everything queued is rejected. Returns whether the step succeeded.
   */
  private async guard(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      this.failure = new UnavailableError(
        `sqlite store cannot make writes durable (${String(err)}); it refuses writes until converge is restarted`,
        { cause: err },
      );
      const queued = this.jobs;
      this.jobs = [];
      for (const job of queued) job.reject(this.failure);
      return false;
    }
  }
}
