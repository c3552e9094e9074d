/**
 * The record of a log-structured store (kine's model, shared by the memory and sqlite backends): every
 * write appends one row whose id is the write's revision; a key's current value is its newest row; a
 * delete appends a tombstone row.
 */
import type { KeyValue, WatchEvent } from '../types.js';

/** One write in the log. Rows are self-contained so a watch can replay them after older rows are compacted. */
export interface LogRow {
  /** Revision of this write. */
  readonly id: number;
  readonly name: string;
  /** True when this write created the key (no live value before it). */
  readonly created: boolean;
  /** True for a tombstone (the write deleted the key). */
  readonly deleted: boolean;
  /** Revision that created the key's current incarnation. */
  readonly createRevision: number;
  /** Revision of the row this one supersedes (0 if none); compaction deletes it once this row is old enough. */
  readonly prevRevision: number;
  /** The new value; for a tombstone, the value it deleted. */
  readonly value: string;
  /** The value this row supersedes (null for a create). */
  readonly oldValue: string | null;
}

/** The key-value a live (non-tombstone) row stores. */
export function rowToKeyValue(row: LogRow): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.createRevision,
    modRevision: row.id,
  };
}

/** The watch event a row produces: a tombstone reports its last value at the delete's revision. */
export function rowToEvent(row: LogRow): WatchEvent {
  const kv = rowToKeyValue(row);
  const hasPrev = !row.created && row.prevRevision > 0 && row.oldValue !== null;
  const prevKv: KeyValue | undefined = hasPrev
    ? {
        key: row.name,
        value: row.oldValue ?? '',
        createRevision: row.createRevision,
        modRevision: row.prevRevision,
      }
    : undefined;
  const type = row.deleted ? 'delete' : 'put';
  return prevKv === undefined ? { type, kv, revision: row.id } : { type, kv, prevKv, revision: row.id };
}
