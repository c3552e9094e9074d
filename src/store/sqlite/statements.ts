/**
 * Every SQL statement of the sqlite backend, prepared once per connection (preparing is as costly as
 * running a small query). Reads rely on the `(name, id)` index: "newest row of a key at or below a
 * revision" is one index seek, and a prefix range walks the index in key order, so a page of `limit`
 * keys costs O(limit · log n) however large the table is.
 */
import type Database from 'better-sqlite3';
import type { LogRow } from '../log/row.js';

/** A row of the `kine` table as SQLite returns it. */
export interface KineRow {
  readonly id: number;
  readonly name: string;
  readonly created: number;
  readonly deleted: number;
  readonly create_revision: number;
  readonly prev_revision: number;
  readonly value: string;
  readonly old_value: string | null;
}

/** Converts a table row to the shared log-row shape. */
export function toLogRow(r: KineRow): LogRow {
  return {
    id: r.id,
    name: r.name,
    created: r.created === 1,
    deleted: r.deleted === 1,
    createRevision: r.create_revision,
    prevRevision: r.prev_revision,
    value: r.value,
    oldValue: r.old_value,
  };
}

/**
 * Upper bound for "no upper bound": SQLite orders every TEXT value before every BLOB, so an empty BLOB
 * is greater than any key while still letting the planner use the index range.
 */
export const NO_UPPER_BOUND = Buffer.alloc(0);

/** Bind parameters of a range page. */
export interface RangeParams {
  /** Lower bound: inclusive for `rangeFrom`, exclusive for `rangeAfter`. */
  readonly lo: string;
  /** Exclusive upper bound, or {@link NO_UPPER_BOUND}. */
  readonly hi: string | Buffer;
  readonly rev: number;
  /** -1 = no limit. */
  readonly limit: number;
}

/** The prepared statements. */
export interface Statements {
  /** Newest row of a key (tombstones included). */
  readonly latest: Database.Statement<[string], KineRow>;
  /** Newest row of a key at or below a revision (tombstones included). */
  readonly latestAt: Database.Statement<[string, number], KineRow>;
  /** Live rows with `lo <= name < hi` as of a revision, in key order. */
  readonly rangeFrom: Database.Statement<[RangeParams], KineRow>;
  /** Live rows with `lo < name < hi` as of a revision, in key order (continuing after a key). */
  readonly rangeAfter: Database.Statement<[RangeParams], KineRow>;
  /** Rows after a revision under a key range, in revision order (watch catch-up). */
  readonly rowsAfter: Database.Statement<
    [{ after: number; upTo: number; lo: string; hi: string | Buffer; limit: number }],
    KineRow
  >;
  readonly insert: Database.Statement<[KineRow]>;
  readonly countLive: Database.Statement<[], { n: number }>;
  readonly countRows: Database.Statement<[], { n: number }>;
  /** Compaction: superseded rows whose successor lies in (from, to]. */
  readonly deleteSuperseded: Database.Statement<[{ from: number; to: number }]>;
  /** Compaction: tombstones in (from, to]. */
  readonly deleteTombstones: Database.Statement<[{ from: number; to: number }]>;
}

/**
 * One bound per side so the planner seeks the index to the start of the range instead of scanning from
 * the first key; hence two statements, one per kind of lower bound.
 */
function rangeSql(lower: '>=' | '>'): string {
  return `
    SELECT k.* FROM kine AS k
    WHERE k.name ${lower} :lo AND k.name < :hi
      AND k.id = (SELECT MAX(h.id) FROM kine AS h WHERE h.name = k.name AND h.id <= :rev)
      AND k.deleted = 0
    ORDER BY k.name
    LIMIT :limit`;
}

/** Prepares every statement on `db`. */
export function prepareStatements(db: Database.Database): Statements {
  return {
    latest: db.prepare<[string], KineRow>('SELECT * FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1'),
    latestAt: db.prepare<[string, number], KineRow>(
      'SELECT * FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',
    ),
    rangeFrom: db.prepare<[RangeParams], KineRow>(rangeSql('>=')),
    rangeAfter: db.prepare<[RangeParams], KineRow>(rangeSql('>')),
    rowsAfter: db.prepare(`
      SELECT * FROM kine
      WHERE id > :after AND id <= :upTo AND name >= :lo AND name < :hi
      ORDER BY id
      LIMIT :limit`),
    insert: db.prepare<[KineRow]>(`
      INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value, old_value)
      VALUES (:id, :name, :created, :deleted, :create_revision, :prev_revision, :value, :old_value)`),
    countLive: db.prepare<[], { n: number }>(`
      SELECT COUNT(*) AS n FROM kine AS k
      WHERE k.deleted = 0 AND k.id = (SELECT MAX(h.id) FROM kine AS h WHERE h.name = k.name)`),
    countRows: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM kine'),
    deleteSuperseded: db.prepare<[{ from: number; to: number }]>(`
      DELETE FROM kine WHERE id IN (
        SELECT prev_revision FROM kine WHERE id > :from AND id <= :to AND prev_revision > 0)`),
    deleteTombstones: db.prepare<[{ from: number; to: number }]>(
      'DELETE FROM kine WHERE id > :from AND id <= :to AND deleted = 1',
    ),
  };
}
