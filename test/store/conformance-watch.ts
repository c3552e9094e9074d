/**
 * Conformance: watches — order, event shapes, resuming from any revision, and ending a watch.
 */
import type { Test } from 'tap';
import type { Backend, WatchEvent } from '../../src/store/types.js';
import { collect, endsWithin, fresh } from './helpers.js';

/** The comparable summary of an event. */
const brief = (e: WatchEvent): [string, string, string, number] => [e.type, e.kv.key, e.kv.value, e.revision];

/** Registers the watch subtests. */
export function runWatchTests(t: Test, name: string, open: () => Promise<Backend>): void {
  t.test(`${name}: watch delivers ordered events with prevKv`, async (t) => {
    const b = await fresh(t, open);
    const from = (await b.stats()).revision;
    const w = b.watch({ prefix: '/w/', fromRevision: from });
    const c = await b.create('/w/a', '1');
    await b.create('/wx/outside', 'no');
    const u = await b.update('/w/a', '2', c.revision);
    const d = await b.delete('/w/a');
    const c2 = await b.create('/w/a', '3');
    const events = await collect(w, 4);
    w.close();
    t.same(events.map(brief), [
      ['put', '/w/a', '1', c.revision],
      ['put', '/w/a', '2', u.revision],
      ['delete', '/w/a', '2', d.revision],
      ['put', '/w/a', '3', c2.revision],
    ], 'events in revision order, only under the prefix');
    const [create, update, del, recreate] = events;
    t.same(create?.kv, c.kv, 'create event carries the stored key-value');
    t.equal(create?.prevKv, undefined, 'create has no prevKv');
    t.same(update?.kv, u.kv, 'update event carries the new key-value');
    t.same(update?.prevKv, c.kv, 'update prevKv is the old key-value');
    t.same(del?.kv, { key: '/w/a', value: '2', createRevision: c.revision, modRevision: d.revision }, 'delete kv is the last value at the delete revision');
    t.same(del?.prevKv, u.kv, 'delete prevKv is the last stored key-value');
    t.equal(recreate?.prevKv, undefined, 're-create after delete has no prevKv');
  });

  t.test(`${name}: watch without fromRevision starts now`, async (t) => {
    const b = await fresh(t, open);
    await b.create('/n/before', 'x');
    const w = b.watch({ prefix: '/n/' });
    const after = await b.create('/n/after', 'y');
    const events = await collect(w, 1);
    w.close();
    t.same(events.map(brief), [['put', '/n/after', 'y', after.revision]], 'only writes after the watch started');
  });

  t.test(`${name}: watch resumes from any revision`, async (t) => {
    const b = await fresh(t, open);
    const base = (await b.stats()).revision;
    const history: [string, string, string, number][] = [];
    const record = (type: string, key: string, value: string, revision: number): void => {
      history.push([type, key, value, revision]);
    };
    let kv = (await b.create('/r/a', 'a1')).kv;
    record('put', '/r/a', 'a1', kv.modRevision);
    const b1 = (await b.create('/r/b', 'b1')).kv;
    record('put', '/r/b', 'b1', b1.modRevision);
    await b.create('/other/x', 'ignored');
    kv = (await b.update('/r/a', 'a2', kv.modRevision)).kv;
    record('put', '/r/a', 'a2', kv.modRevision);
    const del = await b.delete('/r/b');
    record('delete', '/r/b', 'b1', del.revision);
    for (let i = 0; i < 6; i++) {
      kv = (await b.update('/r/a', `a${i + 3}`, kv.modRevision)).kv;
      record('put', '/r/a', `a${i + 3}`, kv.modRevision);
    }
    const last = kv.modRevision;
    for (let r = base; r <= last; r++) {
      const expected = history.filter((h) => h[3] > r);
      const w = b.watch({ prefix: '/r/', fromRevision: r });
      const got = await collect(w, expected.length);
      w.close();
      t.same(got.map(brief), expected, `from revision ${r - base}: exactly the ${expected.length} later events`);
    }
    const w = b.watch({ prefix: '/r/', fromRevision: last });
    const sentinel = await b.create('/r/sentinel', 's');
    t.same((await collect(w, 1)).map(brief), [['put', '/r/sentinel', 's', sentinel.revision]], 'from the newest revision: only new writes');
    w.close();
  });

  t.test(`${name}: watch keeps order under concurrent writes`, async (t) => {
    const b = await fresh(t, open);
    const w = b.watch({ prefix: '/q/', fromRevision: (await b.stats()).revision });
    const writes = await Promise.all(Array.from({ length: 60 }, (_, i) => b.create(`/q/${i}`, String(i))));
    const events = await collect(w, 60);
    w.close();
    const revisions = events.map((e) => e.revision);
    t.same(revisions, [...revisions].sort((x, y) => x - y), 'revisions ascend');
    t.equal(new Set(revisions).size, 60, 'no duplicates');
    t.same(new Set(revisions), new Set(writes.map((r) => r.revision)), 'one event per write, none missing');
    const late = b.watch({ prefix: '/q/', fromRevision: writes[0] === undefined ? 0 : Math.min(...writes.map((r) => r.revision)) - 1 });
    t.equal((await collect(late, 60)).length, 60, 'a late watch replays the same 60 events');
    late.close();
  });

  t.test(`${name}: ending a watch`, async (t) => {
    const b = await fresh(t, open);
    const w1 = b.watch({ prefix: '/e/' });
    const ended = endsWithin(w1, 5000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    w1.close();
    t.equal(await ended, 'ended', 'close() ends a pending iteration');

    const ac = new AbortController();
    const w2 = b.watch({ prefix: '/e/', signal: ac.signal });
    const aborted = endsWithin(w2, 5000);
    ac.abort();
    t.equal(await aborted, 'ended', 'aborting the signal ends the iteration');

    const w3 = b.watch({ prefix: '/e/', fromRevision: (await b.stats()).revision });
    await b.create('/e/1', 'x');
    await b.create('/e/2', 'y');
    let seen = 0;
    for await (const e of w3) {
      seen++;
      if (e.kv.key === '/e/1') break;
    }
    t.equal(seen, 1, 'breaking out of for-await works');
    t.equal(await endsWithin(w3, 1000), 'ended', 'and leaves the watch ended');
  });
}
