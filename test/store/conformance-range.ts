/**
 * Conformance: pagination with limit + startAfter, and consistent snapshots at a fixed revision.
 */
import type { Test } from 'tap';
import type { Backend, KeyValue } from '../../src/store/types.js';
import { fresh } from './helpers.js';

const pad = (i: number): string => String(i).padStart(3, '0');

/** Lists every key under `prefix` in pages of `limit`, at `revision` (latest when undefined). */
async function walk(
  b: Backend,
  prefix: string,
  limit: number,
  between?: (page: number) => Promise<void>,
): Promise<{ kvs: KeyValue[]; pages: number; revision: number }> {
  const kvs: KeyValue[] = [];
  let startAfter: string | undefined;
  let revision: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await b.range({ prefix, limit, startAfter, revision });
    pages++;
    revision ??= page.revision;
    if (page.revision !== revision) throw new Error(`page served at ${page.revision}, asked ${revision}`);
    kvs.push(...page.kvs);
    if (page.kvs.length > limit) throw new Error(`page has ${page.kvs.length} keys, limit ${limit}`);
    if (!page.more) break;
    startAfter = page.kvs[page.kvs.length - 1]?.key;
    if (between !== undefined) await between(pages);
  }
  return { kvs, pages, revision: revision ?? 0 };
}

/** Registers the pagination subtests. */
export function runPaginationTests(t: Test, name: string, open: () => Promise<Backend>): void {
  t.test(`${name}: pagination`, async (t) => {
    const b = await fresh(t, open);
    const keys = Array.from({ length: 25 }, (_, i) => `/p/${pad(i)}`);
    for (const k of keys) await b.create(k, `v-${k}`);
    await b.create('/pq/outside', 'x');

    const table = [
      { limit: 1, pages: 25 },
      { limit: 7, pages: 4 },
      { limit: 25, pages: 1 },
      { limit: 100, pages: 1 },
    ];
    for (const { limit, pages } of table) {
      const got = await walk(b, '/p/', limit);
      t.same(got.kvs.map((kv) => kv.key), keys, `limit ${limit}: every key exactly once, in order`);
      t.equal(got.pages, pages, `limit ${limit}: ${pages} pages`);
    }
    const first = await b.range({ prefix: '/p/', limit: 25 });
    t.equal(first.more, false, 'more is false when the limit exactly fits');
    const partial = await b.range({ prefix: '/p/', limit: 24 });
    t.equal(partial.more, true, 'more is true when keys remain');
    const tail = await b.range({ prefix: '/p/', startAfter: '/p/023' });
    t.same(tail.kvs.map((kv) => kv.key), ['/p/024'], 'startAfter without a limit returns the rest');
    const none = await b.range({ prefix: '/p/', startAfter: '/p/024', limit: 5 });
    t.same([none.kvs.length, none.more], [0, false], 'startAfter the last key returns nothing');
    const before = await b.range({ prefix: '/p/', startAfter: '/a', limit: 2 });
    t.same(before.kvs.map((kv) => kv.key), ['/p/000', '/p/001'], 'startAfter before the prefix starts at the prefix');
  });

  t.test(`${name}: pages at a fixed revision stay consistent under writes`, async (t) => {
    const b = await fresh(t, open);
    const keys = Array.from({ length: 20 }, (_, i) => `/s/${pad(i)}`);
    for (const k of keys) await b.create(k, 'old');
    const snapshot = await b.range({ prefix: '/s/' });

    let n = 0;
    const got = await walk(b, '/s/', 6, async () => {
      // Between pages: add a key before the cursor and one after, update and delete keys not yet read.
      n++;
      await b.create(`/s/${pad(n)}a`, 'new');
      await b.create(`/s/z${n}`, 'new');
      const victim = await b.get(`/s/${pad(19 - n)}`);
      if (victim !== undefined) await b.update(victim.key, 'changed', victim.modRevision);
      const gone = await b.get(`/s/${pad(12 + n)}`);
      if (gone !== undefined) await b.delete(gone.key);
    });
    t.ok(n >= 3, 'writes happened between pages');
    t.equal(got.revision, snapshot.revision, 'every page was served at the first page’s revision');
    t.same(got.kvs, snapshot.kvs, 'the paged list equals the snapshot taken before the writes');
    const now = await b.range({ prefix: '/s/' });
    t.ok(now.revision > snapshot.revision, 'the writes did land');
    t.notSame(now.kvs, snapshot.kvs, 'and changed the latest state');
    const again = await b.range({ prefix: '/s/', revision: snapshot.revision });
    t.same(again.kvs, snapshot.kvs, 'a later read at the old revision still sees the old state');
  });
}
