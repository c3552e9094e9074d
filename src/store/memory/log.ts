/**
 * The in-memory MVCC log behind the memory backend: every write as a {@link LogRow}, indexed by revision
 * (for watches) and by key (for reads at a revision). Synchronous and unsynchronised on purpose: the
 * memory backend is the reference semantics, kept as plain as possible.
 */
import { TerminalError } from '../../errors/index.js';
import { compareKeys, hasPrefix } from '../keys.js';
import type { LogRow } from '../log/row.js';
import type { LogSource } from '../log/watch.js';

/** Index of the first element of ascending `rows` whose id is greater than `id`. */
function firstAfter(rows: readonly LogRow[], id: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid]?.id ?? Infinity) <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key in ascending `keys` that is `>= key` (or `> key` when `strict`). */
function lowerBound(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid] ?? '', key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Append-only log with per-key history and compaction. */
export class MemoryLog implements LogSource {
  private rows: LogRow[] = [];
  private readonly byKey = new Map<string, LogRow[]>();
  /** Keys with any history, in key order. */
  private keys: string[] = [];
  private revision = 0;
  private compacted = 0;
  private live = 0;

  currentRevision(): number {
    return this.revision;
  }

  compactRevision(): number {
    return this.compacted;
  }

  /** Number of live keys. */
  liveKeys(): number {
    return this.live;
  }

  /** Number of rows held (history included). */
  size(): number {
    return this.rows.length;
  }

  /** The newest row of `key` at or below `revision`, tombstones included. */
  latest(key: string, revision = this.revision): LogRow | undefined {
    const history = this.byKey.get(key);
    if (history === undefined) return undefined;
    const i = firstAfter(history, revision) - 1;
    return history[i];
  }

  /** Appends a write; its id must be the next revision. */
  append(row: LogRow): void {
    if (row.id !== this.revision + 1) throw new TerminalError(`log row ${row.id} does not follow revision ${this.revision}`);
    this.revision = row.id;
    this.rows.push(row);
    let history = this.byKey.get(row.name);
    if (history === undefined) {
      history = [];
      this.byKey.set(row.name, history);
      this.keys.splice(lowerBound(this.keys, row.name, false), 0, row.name);
    }
    history.push(row);
    if (row.created) this.live++;
    if (row.deleted) this.live--;
  }

  /** Live rows under `prefix` after `startAfter`, as of `revision`, in key order; at most `limit + 1`. */
  scan(query: { prefix: string; startAfter?: string; revision: number; limit: number }): LogRow[] {
    const { prefix, revision, limit } = query;
    const from =
      query.startAfter !== undefined && compareKeys(query.startAfter, prefix) >= 0
        ? lowerBound(this.keys, query.startAfter, true)
        : lowerBound(this.keys, prefix, false);
    const out: LogRow[] = [];
    for (let i = from; i < this.keys.length; i++) {
      const key = this.keys[i] ?? '';
      if (!hasPrefix(key, prefix)) break;
      const row = this.latest(key, revision);
      if (row === undefined || row.deleted) continue;
      out.push(row);
      if (limit > 0 && out.length > limit) break;
    }
    return out;
  }

  rowsAfter(query: { after: number; upTo: number; prefix: string; limit: number }): LogRow[] {
    const out: LogRow[] = [];
    for (let i = firstAfter(this.rows, query.after); i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row === undefined || row.id > query.upTo || out.length >= query.limit) break;
      if (hasPrefix(row.name, query.prefix)) out.push(row);
    }
    return out;
  }

  /** Drops history at and below `revision`: superseded rows and tombstones. Returns rows removed. */
  compact(revision: number): number {
    this.compacted = Math.max(this.compacted, revision);
    const before = this.rows.length;
    const dropped = new Set<LogRow>();
    for (const [key, history] of this.byKey) {
      const keep = firstAfter(history, revision) - 1;
      const newest = history[keep];
      if (newest === undefined) continue;
      const cut = newest.deleted ? keep + 1 : keep;
      for (const row of history.slice(0, cut)) dropped.add(row);
      if (cut === history.length) this.byKey.delete(key);
      else if (cut > 0) this.byKey.set(key, history.slice(cut));
    }
    if (dropped.size === 0) return 0;
    this.rows = this.rows.filter((row) => !dropped.has(row));
    this.keys = this.keys.filter((key) => this.byKey.has(key));
    return before - this.rows.length;
  }
}
