/**
 * Opening the sqlite file: durability settings, the exclusive lock and kine's log-structured schema.
 *
 * Durability: WAL with `synchronous=OFF` and no automatic checkpoints, because the writer makes every
 * commit durable itself, on the thread pool, before acknowledging it (`durability.ts`, `writer.ts`): an
 * acknowledged write survives `kill -9` and power loss. Exclusivity: `locking_mode=EXCLUSIVE` makes the connection keep the
 * file's OS lock from the first transaction until it closes; the kernel drops it if the process dies, so
 * there is never a stale lock to clean up, and a second process (or connection) cannot read or write.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../errors/index.js';

/** The log table: one row per write; `id` is the write's revision. Newest row per name = current value. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL,
  old_value TEXT
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long to wait for another holder of the lock before failing, in ms (default 200). */
  readonly lockTimeoutMs?: number;
}

function isBusy(err: unknown): boolean {
  return err instanceof Database.SqliteError && (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_LOCKED');
}

/**
 * Opens (creating if needed, with parent directories) the store file at `path`, takes its exclusive lock
 * and ensures the schema. Throws {@link UnavailableError} naming the file when another process or
 * connection holds it.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: options.lockTimeoutMs ?? 200 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // auto_vacuum only takes effect before the first table exists; it lets compaction return pages to the OS.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // Converge syncs off the event loop instead (durability.ts): SQLite must neither fsync nor checkpoint.
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    // Taking a write lock now makes the exclusive lock ours for the connection's lifetime.
    db.exec('BEGIN EXCLUSIVE');
    db.exec(SCHEMA);
    db.exec('COMMIT');
    return db;
  } catch (err) {
    db.close();
    if (isBusy(err)) {
      throw new UnavailableError(
        `sqlite store ${path} is locked by another process or connection ` +
          '(is another `converge serve` using this data directory?)',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Reads an integer from the meta table (0 when absent). */
export function readMeta(db: Database.Database, key: string): number {
  const row = db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?').get(key);
  return row?.value ?? 0;
}

/** The statement that writes an integer to the meta table. */
export function prepareWriteMeta(db: Database.Database): Database.Statement<[string, number]> {
  return db.prepare<[string, number]>(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
}

/** The highest revision ever assigned (survives deletion of the newest rows by compaction). */
export function readSequence(db: Database.Database): number {
  const row = db
    .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'kine'")
    .get();
  return row?.seq ?? 0;
}
