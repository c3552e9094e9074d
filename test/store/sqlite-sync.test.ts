/**
 * The sqlite backend syncs off the event loop (src/store/sqlite/durability.ts): a write is acknowledged,
 * published to watches and visible to reads only after the WAL fsync that covers it completed; nothing
 * writes to the WAL while a checkpoint waits for the database file to sync; a failed fsync stops writes
 * with a clear error. The files are real; the sync is the real fdatasync, held back by a gate the test opens.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { UnavailableError } from '../../src/errors/index.js';
import type { WatchEvent } from '../../src/store/index.js';
import { SqliteBackend } from '../../src/store/sqlite/backend.js';
import { openFileSync, type FileSync } from '../../src/store/sqlite/durability.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-sqlite-sync-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `db${++n}`, 'state.db');

/** Real syncs, recorded; while `held`, each sync waits until `release()` (or fails with `fail(err)`). */
class GatedSync implements FileSync {
  readonly calls: string[] = [];
  held = false;
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private real: FileSync;

  constructor(path: string) {
    this.real = openFileSync(path);
  }

  syncWal(): Promise<void> {
    return this.gate('wal', () => this.real.syncWal());
  }

  syncDatabase(): Promise<void> {
    return this.gate('database', () => this.real.syncDatabase());
  }

  walBytes(): number {
    return this.real.walBytes();
  }

  close(): void {
    this.real.close();
  }

  /** Lets every held sync proceed. */
  release(): void {
    this.held = false;
    for (const w of this.waiting.splice(0)) w.resolve();
  }

  /** Fails every held sync with `err`. */
  fail(err: Error): void {
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Resolves once at least `count` syncs are waiting at the gate. */
  async waitingFor(count: number): Promise<void> {
    while (this.waiting.length < count) await new Promise((r) => setTimeout(r, 5));
  }

  private async gate(what: string, sync: () => Promise<void>): Promise<void> {
    this.calls.push(what);
    if (this.held) await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    await sync();
  }
}

function open(): { backend: SqliteBackend; files: GatedSync } {
  let files: GatedSync | undefined;
  const backend = new SqliteBackend(freshPath(), {}, (path) => (files = new GatedSync(path)));
  if (files === undefined) throw new Error('the backend did not open its files');
  return { backend, files };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  return done;
};

t.test('a write is acknowledged, watched and readable only after its fsync', async (t) => {
  const { backend, files } = open();
  t.teardown(() => backend.close());
  const before = await backend.create('/k/a', 'one');
  const events: WatchEvent[] = [];
  const watch = backend.watch({ prefix: '/k/', fromRevision: before.revision });
  t.teardown(() => watch.close());
  void (async () => {
    for await (const event of watch) events.push(event);
  })();

  files.held = true;
  const write = backend.create('/k/b', 'two');
  await files.waitingFor(1);
  t.notOk(await settled(write), 'not acknowledged while the fsync is pending');
  t.equal(await backend.get('/k/b'), undefined, 'get does not see it');
  t.same((await backend.range({ prefix: '/k/' })).kvs.map((kv) => kv.key), ['/k/a'], 'range does not see it');
  t.equal((await backend.stats()).revision, before.revision, 'the revision has not moved');
  t.same(events, [], 'no watch event yet');
  const timer = await new Promise<number>((resolve) => {
    const started = performance.now();
    setTimeout(() => resolve(performance.now() - started), 10);
  });
  t.ok(timer < 200, `the event loop keeps running meanwhile (a 10 ms timer fired after ${Math.round(timer)} ms)`);

  files.release();
  const result = await write;
  t.equal(result.revision, before.revision + 1);
  t.equal((await backend.get('/k/b'))?.value, 'two', 'visible once durable');
  while (events.length === 0) await new Promise((r) => setTimeout(r, 5));
  t.same(events.map((e) => [e.type, e.kv.key]), [['put', '/k/b']], 'and watched');
  t.same(files.calls.filter((c) => c === 'wal').length >= 2, true, 'each commit synced the WAL');
});

t.test('writes queued during an fsync share the next one (group commit), in order', async (t) => {
  const { backend, files } = open();
  t.teardown(() => backend.close());
  files.held = true;
  const first = backend.create('/g/0', 'x');
  await files.waitingFor(1);
  const rest = Array.from({ length: 50 }, (_, i) => backend.create(`/g/${i + 1}`, 'x'));
  const conflicting = backend.create('/g/7', 'again');
  files.release();
  const results = await Promise.all([first, ...rest]);
  t.same(results.map((r) => r.revision), results.map((_, i) => results[0]!.revision + i), 'consecutive revisions in submission order');
  await t.rejects(conflicting, { name: 'AlreadyExistsError' }, 'a failed create-if-absent rejects only itself');
  t.equal(files.calls.filter((c) => c === 'wal').length, 2, '51 writes, two fsyncs');
});

t.test('a checkpoint syncs the database file before the WAL is reused, and nothing writes meanwhile', async (t) => {
  const { backend, files } = open();
  t.teardown(() => backend.close());
  for (let i = 0; i < 20; i++) await backend.create(`/c/${i}`, 'v'.repeat(2000));
  const walBefore = statSync(`${backend.path}-wal`).size;
  t.ok(walBefore > 0, `the WAL holds the writes (${walBefore} bytes)`);

  files.held = true;
  const compaction = backend.compact((await backend.stats()).revision);
  await files.waitingFor(1);
  files.release();
  // Hold the next sync: compaction's chunk, then its vacuum, then the checkpoint's database sync.
  files.held = true;
  for (;;) {
    await files.waitingFor(1);
    if (files.calls.at(-1) === 'database') break;
    files.release();
    files.held = true;
  }
  const write = backend.create('/c/during', 'x');
  t.notOk(await settled(write), 'a write submitted during the checkpoint waits for it');
  t.equal(files.calls.at(-1), 'database', 'and is not even committed: no WAL sync since the database sync began');
  t.equal(statSync(`${backend.path}-wal`).size > 0, true, 'the WAL is not emptied before the database file synced');
  files.release();
  await compaction;
  await write;
  t.equal(files.calls.lastIndexOf('database') < files.calls.lastIndexOf('wal'), true, 'the write was synced after the checkpoint');
  t.equal((await backend.get('/c/during'))?.value, 'x');
});

t.test('the WAL is checkpointed by itself once it grows', async (t) => {
  const path = freshPath();
  const backend = new SqliteBackend(path);
  t.teardown(() => backend.close());
  const value = 'v'.repeat(8000);
  let largest = 0;
  for (let i = 0; i < 1000; i++) {
    await backend.create(`/w/${i}`, value);
    largest = Math.max(largest, statSync(`${path}-wal`).size);
  }
  t.ok(largest < 6 * 1024 * 1024, `8 MB written, the WAL never passed ${largest} bytes`);
  await backend.close();
  const reopened = new SqliteBackend(path);
  t.equal((await reopened.stats()).keys, 1000, 'everything is there after reopening');
  await reopened.close();
});

t.test('a failed fsync refuses that write and every later one, clearly; reads go on', async (t) => {
  const { backend, files } = open();
  t.teardown(() => backend.close());
  await backend.create('/f/ok', 'x');
  files.held = true;
  const write = backend.create('/f/lost', 'x');
  await files.waitingFor(1);
  files.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  const err = await write.then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof UnavailableError, 'UnavailableError (503)');
  t.match(String(err), /cannot make writes durable.*EIO.*refuses writes until converge is restarted/);
  files.held = false;
  await t.rejects(backend.create('/f/later', 'x'), { message: /refuses writes/ }, 'later writes are refused');
  t.equal((await backend.get('/f/ok'))?.value, 'x', 'reads still work');
  t.equal(await backend.get('/f/lost'), undefined, 'the unacknowledged write is not visible');
});
