/**
 * sqlite-only behaviour: persistence across reopen, durability across kill -9, the exclusive lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { UnavailableError } from '../../src/errors/index.js';
import { openBackend } from '../../src/store/index.js';
import { sqlitePathOf } from '../../src/store/sqlite/open.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-sqlite-dur-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const fixture = join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts');
let n = 0;
const freshUrl = (): string => `sqlite://${join(dir, `db${++n}`, 'state.db')}`;

function child(url: string, mode: 'write' | 'hold'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fixture, url, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
}

t.test('URL to path', async (t) => {
  t.equal(sqlitePathOf('sqlite:///var/lib/converge/state.db'), '/var/lib/converge/state.db');
  t.equal(sqlitePathOf('sqlite://./rel/state.db'), join(process.cwd(), 'rel/state.db'));
  t.equal(sqlitePathOf('sqlite://rel/state.db'), join(process.cwd(), 'rel/state.db'));
  t.equal(sqlitePathOf('sqlite://:memory:'), ':memory:');
  t.throws(() => sqlitePathOf('sqlite://'), /names no file/);
});

t.test('data survives close and reopen', async (t) => {
  const url = freshUrl();
  const a = await openBackend(url);
  const k1 = await a.create('/p/k1', 'one');
  const k2 = await a.create('/p/k2', 'two');
  const u = await a.update('/p/k1', 'uno', k1.revision);
  await a.delete('/p/k2', k2.revision);
  const gone = await a.create('/p/gone', 'x');
  const tomb = await a.delete('/p/gone');
  // Compacting everything removes the newest row (a tombstone); the revision counter must not go back.
  await a.compact(tomb.revision);
  const before = await a.stats();
  await a.close();

  const b = await openBackend(url);
  t.teardown(() => b.close());
  t.same(await b.get('/p/k1'), u.kv, 'updated value is back');
  t.equal(await b.get('/p/k2'), undefined, 'deleted key stays deleted');
  t.equal(await b.get('/p/gone'), undefined);
  const after = await b.stats();
  t.same([after.revision, after.compactRevision, after.keys], [before.revision, before.compactRevision, 1], 'revision, compaction point and key count persist');
  const next = await b.create('/p/k3', 'three');
  t.ok(next.revision > tomb.revision, 'revisions keep increasing after reopen');
  t.ok(gone.revision < next.revision);
});

t.test('second open of the same file fails clearly', async (t) => {
  const url = freshUrl();
  const a = await openBackend(url);
  const err = await openBackend(url).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof UnavailableError, 'UnavailableError');
  t.match(err instanceof Error ? err.message : '', /locked by another process.*converge serve/, 'says why');
  t.match(err instanceof Error ? err.message : '', sqlitePathOf(url), 'names the file');

  const other = child(url, 'hold');
  const [line] = await firstLines(other, 1);
  t.match(line ?? '', /^error UnavailableError: sqlite store .* is locked/, 'another process cannot open it either');
  await a.close();

  const holder = child(url, 'hold');
  const [opened] = await firstLines(holder, 1);
  t.equal(opened, 'open', 'a process can open it once the first closed it');
  const blocked = await openBackend(url).then(() => undefined, (e: unknown) => e);
  t.ok(blocked instanceof UnavailableError, 'and then this process cannot');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  const c = await openBackend(url);
  t.pass('kill -9 of the holder releases the lock (no stale lock file)');
  await c.close();
});

t.test('every acknowledged write survives kill -9', async (t) => {
  const url = freshUrl();
  const writer = child(url, 'write');
  const acks = await firstLines(writer, 400);
  writer.kill('SIGKILL');
  await new Promise((resolve) => writer.once('exit', resolve));
  const acked = acks.filter((l) => l.startsWith('ack ')).map((l) => l.split(' '));
  t.equal(acked.length, 400, 'the writer acknowledged 400 creates before it was killed');
  const b = await openBackend(url);
  t.teardown(() => b.close());
  let missing = 0;
  for (const [, key, revision] of acked) {
    const kv = await b.get(key ?? '');
    if (kv === undefined || kv.modRevision !== Number(revision)) missing++;
  }
  t.equal(missing, 0, 'all acknowledged keys are present at their acknowledged revisions');
  const stats = await b.stats();
  t.ok(stats.keys >= 400, 'maybe more (written but not yet acknowledged), never fewer');
});

/** The first `count` stdout lines of a child (fewer if it exits). */
async function firstLines(proc: ChildProcess, count: number): Promise<string[]> {
  const lines: string[] = [];
  if (proc.stdout === null) return lines;
  const rl = createInterface({ input: proc.stdout });
  for await (const line of rl) {
    lines.push(line);
    if (lines.length >= count) break;
  }
  return lines;
}
