/**
 * Group commit for the sqlite backend. Writes submitted in the same turn of the event loop are applied in
 * submission order inside ONE transaction, so many concurrent writers share one fsync instead of paying
 * one each, yet every write still gets its own revision and its own outcome: a failed compare-and-swap
 * rejects only that write. Each check-and-insert (`planWrite`) runs inside the transaction, so create-if-absent and
 * update/delete-if-modRevision are atomic. A promise resolves only after its transaction committed.
 */
import { ConvergeError, UnavailableError } from '../../errors/index.js';
import type Database from 'better-sqlite3';
import { planWrite, type WriteOp } from '../log/plan.js';
import type { LogRow } from '../log/row.js';
import { toLogRow, type Statements } from './statements.js';

/** What the writer needs from its backend. */
export interface WriterHooks {
  /** Revision of the newest committed write. */
  revision(): number;
  /** Called with the rows of each committed batch, in the same synchronous step as the commit. */
  committed(rows: readonly LogRow[]): void;
}

interface Pending {
  readonly op: WriteOp;
  readonly resolve: (row: LogRow) => void;
  readonly reject: (err: unknown) => void;
}

/** Batches writes into transactions; see the module comment. */
export class GroupCommitWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly apply: (batch: readonly Pending[]) => (LogRow | ConvergeError)[];

  constructor(
    db: Database.Database,
    private readonly stmts: Statements,
    private readonly hooks: WriterHooks,
    private readonly maxBatch = 1000,
  ) {
    this.apply = db.transaction((batch: readonly Pending[]) => {
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

  /** Queues a write; resolves with its row once committed, rejects with its error. */
  submit(op: WriteOp): Promise<LogRow> {
    return new Promise<LogRow>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also used when closing). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: (LogRow | ConvergeError)[];
      try {
        outcomes = this.apply(batch);
      } catch (err) {
        const failure = new UnavailableError(`sqlite write failed: ${String(err)}`, { cause: err });
        for (const p of batch) p.reject(failure);
        continue;
      }
      const rows = outcomes.filter((o): o is LogRow => !(o instanceof ConvergeError));
      this.hooks.committed(rows);
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof ConvergeError || outcome === undefined) p.reject(outcome);
        else p.resolve(outcome);
      });
    }
  }

  /** Rejects everything still queued (store closing without a database to write to). */
  failPending(err: unknown): void {
    const pending = this.queue;
    this.queue = [];
    for (const p of pending) p.reject(err);
  }
}
