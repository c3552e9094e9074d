/**
 * Making sqlite commits durable without blocking the event loop.
 *
 * SQLite's own `synchronous=FULL` calls fsync inside the commit, on the thread that commits: Node's event
 * loop. On a busy disk (a host writing VM images, say) one fsync can take seconds, and for that long the
 * API server answers nobody. So the database runs with `synchronous=OFF` and no automatic checkpoints
 * (`schema.ts`), and Converge does the syncing itself, on libuv's thread pool:
 *
 * - after each group commit the writer awaits {@link FileSync.syncWal}; only then is the write
 *   acknowledged, published to watches or visible to reads (reads are bounded by the published revision);
 * - a checkpoint copies the WAL into the database file and awaits {@link FileSync.syncDatabase} before the
 *   writer lets anything write again, so the database file is durable before SQLite reuses (or truncates)
 *   the log that covered it. Nothing else checkpoints: automatic checkpoints are off, and before closing
 *   the backend switches back to `synchronous=FULL` so SQLite's closing checkpoint syncs too.
 *
 * The guarantee is the one `synchronous=FULL` gave: an acknowledged write survives `kill -9` and power loss.
 */
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const fdatasyncAsync = promisify(fdatasync);

/** The file syncs the sqlite writer needs. */
export interface FileSync {
  /** Flushes the WAL file's data to stable storage. */
  syncWal(): Promise<void>;
  /** Flushes the database file's data to stable storage. */
  syncDatabase(): Promise<void>;
  /** Size of the WAL file on disk (the writer truncates it when a burst left it oversized). */
  walBytes(): number;
  /** Releases the file descriptors. */
  close(): void;
}

/** For `:memory:` databases: nothing to sync. */
export const NO_FILES: FileSync = {
  syncWal: async () => undefined,
  syncDatabase: async () => undefined,
  walBytes: () => 0,
  close: () => undefined,
};

/**
 * Opens the database file `path` and its WAL (`path-wal`, which SQLite creates when it opens a database in
 * WAL mode) for syncing, and syncs their directory once so both files' names are durable too.
 */
export function openFileSync(path: string): FileSync {
  if (path === ':memory:') return NO_FILES;
  // Opening with 'a' creates the WAL if SQLite has not yet; SQLite treats an empty WAL as no WAL.
  const wal = openSync(`${path}-wal`, 'a', 0o600);
  const db = openSync(path, 'r');
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return {
    syncWal: () => fdatasyncAsync(wal),
    syncDatabase: () => fdatasyncAsync(db),
    walBytes: () => fstatSync(wal).size,
    close: () => {
      closeSync(wal);
      closeSync(db);
    },
  };
}
