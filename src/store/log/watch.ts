/**
 * Watches over a log-structured store living in this process (memory, sqlite). The log itself is the
 * source of truth: a watch that is behind reads rows after its cursor from the log in pages ("catch-up"),
 * and once it has read up to the current revision it switches to "live" mode, where committed rows are
 * pushed to it in the same synchronous step as the commit. Because reading the log and committing both
 * happen synchronously on the one JavaScript thread, the switch cannot miss or repeat a row. A consumer
 * that falls too far behind in live mode drops its queue and goes back to reading the log, so memory stays
 * bounded; if compaction has meanwhile removed rows it needs, it gets {@link CompactedError}.
 */
import { CompactedError } from '../../errors/index.js';
import { hasPrefix } from '../keys.js';
import type { Watch, WatchEvent, WatchOptions } from '../types.js';
import { rowToEvent, type LogRow } from './row.js';

/** What a watch needs from the store it tails. Every method is synchronous on purpose (see above). */
export interface LogSource {
  /** Revision of the newest committed write. */
  currentRevision(): number;
  /** Revisions at and below this one may have been removed from the log. */
  compactRevision(): number;
  /** Rows with `after < id <= upTo` whose key starts with `prefix`, ascending by id, at most `limit`. */
  rowsAfter(query: { after: number; upTo: number; prefix: string; limit: number }): LogRow[];
}

/** Options for {@link LogWatchHub}. */
export interface LogWatchHubOptions {
  /** Rows read from the log per catch-up step (default 500). */
  readonly pageSize?: number;
  /** Events a live watch may queue before it falls back to reading the log (default 10,000). */
  readonly maxQueue?: number;
}

/** Fans committed rows out to the watches of one store. */
export class LogWatchHub {
  private readonly watches = new Set<LogWatch>();
  private readonly pageSize: number;
  private readonly maxQueue: number;

  constructor(
    private readonly source: LogSource,
    options: LogWatchHubOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 500;
    this.maxQueue = options.maxQueue ?? 10_000;
  }

  /** Starts a watch; see {@link Watch} for the contract. */
  watch(options: WatchOptions): Watch {
    const w = new LogWatch(this.source, options, {
      pageSize: this.pageSize,
      maxQueue: this.maxQueue,
      onClose: (closed) => this.watches.delete(closed),
    });
    if (!w.isClosed()) this.watches.add(w);
    return w;
  }

  /** Delivers rows just committed (ascending ids). Must be called in the same synchronous step as the commit. */
  publish(rows: readonly LogRow[]): void {
    if (rows.length === 0) return;
    for (const w of this.watches) w.offer(rows);
  }

  /** Ends every watch (store closing). */
  closeAll(): void {
    for (const w of [...this.watches]) w.close();
  }

  /** Number of open watches (for metrics). */
  get size(): number {
    return this.watches.size;
  }
}

interface LogWatchConfig {
  readonly pageSize: number;
  readonly maxQueue: number;
  readonly onClose: (w: LogWatch) => void;
}

class LogWatch implements Watch {
  private readonly prefix: string;
  private queue: WatchEvent[] = [];
  /** Revision of the last event handed to the consumer (or the starting point). */
  private delivered: number;
  /** Every row up to this revision has been examined (queued or filtered out). */
  private scanned: number;
  private live = false;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private iterator: AsyncGenerator<WatchEvent> | undefined;

  constructor(
    private readonly source: LogSource,
    options: WatchOptions,
    private readonly config: LogWatchConfig,
  ) {
    this.prefix = options.prefix;
    const start = options.fromRevision ?? source.currentRevision();
    this.delivered = start;
    this.scanned = start;
    if (start < source.compactRevision()) {
      this.failure = new CompactedError(start, source.compactRevision());
    }
    if (options.fromRevision === undefined) this.live = true;
    if (options.signal !== undefined) {
      if (options.signal.aborted) this.closed = true;
      else options.signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Called by the hub with freshly committed rows. */
  offer(rows: readonly LogRow[]): void {
    if (this.closed || !this.live) {
      this.notify();
      return;
    }
    for (const row of rows) {
      if (row.id <= this.scanned) continue;
      this.scanned = row.id;
      if (hasPrefix(row.name, this.prefix)) this.queue.push(rowToEvent(row));
    }
    if (this.queue.length > this.config.maxQueue) {
      // Too slow a consumer: forget the queue and re-read the log from what it has actually received.
      this.queue = [];
      this.scanned = this.delivered;
      this.live = false;
    }
    this.notify();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.config.onClose(this);
    this.notify();
  }

  /** One stream of events per watch: iterating twice continues the same stream. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  private async *events(): AsyncGenerator<WatchEvent> {
    try {
      for (;;) {
        if (this.closed) return;
        if (this.failure !== undefined) throw this.failure;
        const next = this.queue.shift();
        if (next !== undefined) {
          this.delivered = next.revision;
          yield next;
          continue;
        }
        if (!this.live) {
          this.catchUp();
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.close();
    }
  }

  /** Reads the next page of the log; switches to live mode once it has read up to the current revision. */
  private catchUp(): void {
    const compacted = this.source.compactRevision();
    if (this.scanned < compacted) {
      this.failure = new CompactedError(this.scanned, compacted);
      return;
    }
    const upTo = this.source.currentRevision();
    const rows = this.source.rowsAfter({
      after: this.scanned,
      upTo,
      prefix: this.prefix,
      limit: this.config.pageSize,
    });
    for (const row of rows) this.queue.push(rowToEvent(row));
    const last = rows[rows.length - 1];
    if (rows.length < this.config.pageSize || last === undefined) {
      this.scanned = Math.max(this.scanned, upTo);
      this.live = true;
    } else {
      this.scanned = last.id;
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
