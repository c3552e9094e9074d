/**
 * The one conformance suite every store backend must pass (memory, sqlite, etcd). `open` must return a
 * fresh, empty backend each time (for a shared etcd: a distinct key prefix), so no test may assume that
 * revisions start at 1 — only that they strictly increase.
 */
import type { Test } from 'tap';
import {
  AlreadyExistsError,
  BadRequestError,
  CompactedError,
  ConflictError,
  NotFoundError,
  UnavailableError,
} from '../../src/errors/index.js';
import type { Backend, KeyValue } from '../../src/store/types.js';
import { collect, endsWithin, fresh, rejectsWith } from './helpers.js';
import { runPaginationTests } from './conformance-range.js';
import { runWatchTests } from './conformance-watch.js';

/** Runs the whole suite against backends made by `open`. */
export function runConformance(t: Test, name: string, open: () => Promise<Backend>): void {
  t.test(`${name}: get/create/update/delete`, async (t) => {
    const b = await fresh(t, open);
    const start = (await b.stats()).revision;
    t.equal(await b.get('/k/one'), undefined, 'absent key reads as undefined');

    const c = await b.create('/k/one', 'v1');
    t.ok(c.revision > start, 'create gets a new revision');
    t.same(c.kv, { key: '/k/one', value: 'v1', createRevision: c.revision, modRevision: c.revision });
    t.same(await b.get('/k/one'), c.kv, 'get returns what create stored');
    const dup = await rejectsWith(t, b.create('/k/one', 'again'), AlreadyExistsError, 'create of a present key');
    t.equal(dup?.httpStatus, 409);

    await rejectsWith(t, b.update('/k/one', 'x', c.revision + 1000), ConflictError, 'update with a stale modRevision');
    await rejectsWith(t, b.update('/k/none', 'x', c.revision), NotFoundError, 'update of an absent key');
    const u = await b.update('/k/one', 'v2', c.revision);
    t.ok(u.revision > c.revision, 'update gets a newer revision');
    t.same(u.kv, { key: '/k/one', value: 'v2', createRevision: c.revision, modRevision: u.revision });
    await rejectsWith(t, b.update('/k/one', 'v3', c.revision), ConflictError, 'update with the superseded modRevision');
    t.equal((await b.get('/k/one'))?.value, 'v2', 'a failed update changes nothing');

    await rejectsWith(t, b.delete('/k/one', c.revision), ConflictError, 'delete with a stale modRevision');
    const d = await b.delete('/k/one', u.revision);
    t.ok(d.revision > u.revision, 'delete gets a newer revision');
    t.same(d.kv, { key: '/k/one', value: 'v2', createRevision: c.revision, modRevision: d.revision }, 'delete returns the last value');
    t.equal(await b.get('/k/one'), undefined, 'deleted key reads as undefined');
    await rejectsWith(t, b.delete('/k/one'), NotFoundError, 'delete of an absent key');
    await rejectsWith(t, b.update('/k/one', 'x', d.revision), NotFoundError, 'update of a deleted key');

    const again = await b.create('/k/one', 'reborn');
    t.equal(again.kv.createRevision, again.revision, 'a re-created key has a fresh createRevision');
    const plain = await b.delete('/k/one');
    t.equal(plain.kv.value, 'reborn', 'delete without a modRevision deletes unconditionally');

    await rejectsWith(t, b.create('', 'x'), BadRequestError, 'create with an empty key');
    const big = 'x'.repeat(200_000);
    t.equal((await b.create('/k/big', big)).kv.value.length, big.length, 'a 200 kB value round-trips');
    const unicode = '{"name":"zoë ✓ 😀"}';
    await b.create('/k/unicode', unicode);
    t.equal((await b.get('/k/unicode'))?.value, unicode, 'unicode values round-trip');

    const stats = await b.stats();
    t.equal(stats.keys, 2, 'stats counts live keys');
    t.ok(stats.revision >= again.revision + 3, 'stats reports the current revision');
  });

  t.test(`${name}: compare-and-swap under concurrency`, async (t) => {
    const b = await fresh(t, open);
    const c = await b.create('/cas/x', '0');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => b.update('/cas/x', `writer-${i}`, c.revision)),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const conflicts = results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError);
    t.equal(won.length, 1, 'exactly one of 50 updates with the same modRevision succeeds');
    t.equal(conflicts.length, 49, 'the other 49 reject with ConflictError');
    t.equal((await b.get('/cas/x'))?.value, `writer-${won[0]}`, 'the winner’s value is stored');

    const creates = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.create('/cas/new', `c${i}`)));
    t.equal(creates.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one of 20 concurrent creates wins');
    t.equal(
      creates.filter((r) => r.status === 'rejected' && r.reason instanceof AlreadyExistsError).length,
      19,
      'the others reject with AlreadyExistsError',
    );

    const deletes = await Promise.allSettled(Array.from({ length: 10 }, () => b.delete('/cas/new')));
    t.equal(deletes.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one of 10 concurrent deletes wins');
    t.equal(deletes.filter((r) => r.status === 'rejected' && r.reason instanceof NotFoundError).length, 9);
  });

  t.test(`${name}: range ordering and prefix isolation`, async (t) => {
    const b = await fresh(t, open);
    const keys = ['/a/2', '/ab/1', '/a/10', '/b/1', '/a/1', '/a', '/a/1/x'];
    for (const k of keys) await b.create(k, `v${k}`);
    const r = await b.range({ prefix: '/a/' });
    t.same(
      r.kvs.map((kv) => kv.key),
      ['/a/1', '/a/1/x', '/a/10', '/a/2'],
      'prefix /a/ matches only keys under it, in byte order, and not /ab/ or /a',
    );
    t.equal(r.more, false);
    t.equal(r.revision, (await b.stats()).revision, 'served at the current revision');
    t.same(r.kvs[0], await b.get('/a/1'), 'range returns full key-values');
    t.same((await b.range({ prefix: '' })).kvs.map((kv) => kv.key), [...keys].sort(), 'empty prefix lists everything');
    t.same((await b.range({ prefix: '/zzz/' })).kvs, [], 'no match is an empty list');
    t.same((await b.range({ prefix: '/a/1' })).kvs.map((kv) => kv.key), ['/a/1', '/a/1/x', '/a/10']);
    await b.delete('/a/10');
    t.same((await b.range({ prefix: '/a/' })).kvs.map((kv) => kv.key), ['/a/1', '/a/1/x', '/a/2'], 'deleted keys vanish');
    await rejectsWith(t, b.range({ prefix: '/a/', limit: -1 }), BadRequestError, 'negative limit');
    const future = (await b.stats()).revision + 100;
    await rejectsWith(t, b.range({ prefix: '/a/', revision: future }), BadRequestError, 'range at a future revision');
  });

  runPaginationTests(t, name, open);
  runWatchTests(t, name, open);

  t.test(`${name}: compaction`, async (t) => {
    const b = await fresh(t, open);
    const r1 = (await b.create('/c/k1', 'a')).revision;
    const r2 = (await b.update('/c/k1', 'b', r1)).revision;
    const r3 = (await b.create('/c/k2', 'x')).revision;
    const r4 = (await b.delete('/c/k2')).revision;
    const r5 = (await b.update('/c/k1', 'c', r2)).revision;
    await b.compact(r3);
    t.ok((await b.stats()).compactRevision >= r3, 'stats reports the compaction point');

    const old = await rejectsWith(t, b.range({ prefix: '/c/', revision: r3 - 1 }), CompactedError, 'range below the compaction point');
    t.equal(old?.httpStatus, 410, 'compacted maps to HTTP 410');
    const at = await b.range({ prefix: '/c/', revision: r3 });
    t.same(at.kvs.map((kv: KeyValue) => [kv.key, kv.value]), [['/c/k1', 'b'], ['/c/k2', 'x']], 'range at the compaction point still works');
    const after = await b.range({ prefix: '/c/', revision: r4 });
    t.same(after.kvs.map((kv) => [kv.key, kv.value]), [['/c/k1', 'b']], 'range after it still works');
    t.same((await b.get('/c/k1'))?.value, 'c', 'current values survive');

    const w = b.watch({ prefix: '/c/', fromRevision: r3 - 1 });
    await rejectsWith(t, collect(w, 1), CompactedError, 'watch needing a compacted event');
    const ok = b.watch({ prefix: '/c/', fromRevision: r3 });
    const events = await collect(ok, 2);
    t.same(events.map((e) => [e.type, e.revision]), [['delete', r4], ['put', r5]], 'watch from the compaction point still works');
    ok.close();

    await b.compact(r3);
    t.pass('compacting again at the same revision is a no-op');
    await b.compact(r1);
    t.pass('compacting below the compaction point is a no-op');
    await rejectsWith(t, b.compact(r5 + 100), BadRequestError, 'compacting a future revision');
    await b.compact(r5);
    t.same((await b.range({ prefix: '/c/' })).kvs.map((kv) => [kv.key, kv.value, kv.modRevision]), [['/c/k1', 'c', r5]], 'compacting everything keeps current values');
  });

  t.test(`${name}: close`, async (t) => {
    const b = await open();
    await b.create('/z/k', 'v');
    const w = b.watch({ prefix: '/z/' });
    const ended = endsWithin(w, 5000);
    await b.close();
    t.equal(await ended, 'ended', 'closing the backend ends pending watches');
    await rejectsWith(t, b.get('/z/k'), UnavailableError, 'get after close');
    await rejectsWith(t, b.create('/z/n', 'v'), UnavailableError, 'create after close');
    await b.close();
    t.pass('close is idempotent');
  });
}
