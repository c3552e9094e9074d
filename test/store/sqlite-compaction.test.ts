/**
 * sqlite-only: automatic compaction keeps the log bounded, reports counters and keeps current values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CompactedError } from '../../src/errors/index.js';
import { openBackend, SqliteBackend } from '../../src/store/index.js';
import { collect, rejection } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-sqlite-cmp-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

t.test('automatic compaction bounds the row count', async (t) => {
  const retain = 50;
  const b = await openBackend(`sqlite://${join(dir, 'auto', 'state.db')}`, {
    retainRevisions: retain,
    compactIntervalMs: 25,
  });
  t.teardown(() => b.close());
  t.ok(b instanceof SqliteBackend);
  const keys = 5;
  const mods = new Map<string, number>();
  for (let i = 0; i < keys; i++) mods.set(`/a/${i}`, (await b.create(`/a/${i}`, 'v0')).revision);
  await b.create('/a/temp', 'x');
  await b.delete('/a/temp');
  for (let round = 1; round <= 200; round++) {
    for (const [key, rev] of mods) mods.set(key, (await b.update(key, `v${round}`, rev)).revision);
  }
  const written = (await b.stats()).revision;
  t.equal(written, keys * 201 + 2, 'a thousand writes happened');

  const bounded = await until(async () => {
    const s = b instanceof SqliteBackend ? await b.stats() : undefined;
    return s !== undefined && s.rows <= retain + keys && s.compactRevision >= written - retain && s.compaction.runs >= 1;
  }, 5000);
  t.ok(bounded, `rows shrink to at most retainRevisions + keys (${retain + keys})`);
  const stats = b instanceof SqliteBackend ? await b.stats() : undefined;
  t.ok((stats?.compaction.runs ?? 0) >= 1, 'compaction runs are counted');
  t.equal(stats?.compaction.rowsDeleted, written - (stats?.rows ?? 0), 'every deleted row is counted');
  t.ok((stats?.compaction.rowsDeleted ?? 0) >= written - retain - keys, 'deleted rows are counted');
  t.ok((stats?.compaction.lastRunAt ?? 0) > 0, 'last run time is recorded');
  t.ok((stats?.sizeBytes ?? 0) > 0, 'size is reported');
  t.equal(stats?.keys, keys, 'live keys unchanged');

  const current = await b.range({ prefix: '/a/' });
  t.same(current.kvs.map((kv) => kv.value), Array(keys).fill('v200'), 'current values survive compaction');
  const compactRevision = stats?.compactRevision ?? 0;
  const err = await rejection(collect(b.watch({ prefix: '/a/', fromRevision: compactRevision - 1 }), 1));
  t.ok(err instanceof CompactedError, 'a watch from below the kept window gets CompactedError');
  const w = b.watch({ prefix: '/a/', fromRevision: compactRevision });
  t.equal((await collect(w, written - compactRevision)).length, written - compactRevision, 'the kept window replays');
  w.close();
});

t.test('retainRevisions 0 disables automatic compaction', async (t) => {
  const b = await openBackend(`sqlite://${join(dir, 'off', 'state.db')}`, { retainRevisions: 0, compactIntervalMs: 5 });
  t.teardown(() => b.close());
  let rev = (await b.create('/k', '0')).revision;
  for (let i = 0; i < 30; i++) rev = (await b.update('/k', String(i), rev)).revision;
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal((await b.stats()).compactRevision, 0, 'nothing compacted');
  t.equal((await b.range({ prefix: '/', revision: 1 })).kvs[0]?.value, '0', 'the oldest revision is still readable');
});
