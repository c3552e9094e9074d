import t, { type Test } from 'tap';
import { instanceType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { Informer, type InformerOptions } from '../../src/runtime/informer.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { instance } from '../client/fixtures.js';
import { FaultyClient, openEnv, until, type Env } from './helpers.js';

/** An informer over a faulty client, recording every event as `type name[@vcpus]`. */
async function setup(t: Test, options: Partial<InformerOptions> = {}, env?: Env) {
  const e = env ?? (await openEnv());
  const faulty = new FaultyClient(e.client);
  const informer = new Informer({
    client: faulty,
    type: instanceType,
    backoff: { initialMs: 10, maxMs: 50 },
    minWatchDurationMs: 0,
    ...options,
  });
  const events: string[] = [];
  const label = (o: KubeObject) => `${o.metadata.name}@${String(o.spec?.['vcpus'])}`;
  informer.addEventHandler({
    onAdd: (o) => events.push(`add ${label(o)}`),
    onUpdate: (old, o) => events.push(`update ${label(old)}->${label(o)}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const start = () => (running = informer.start(stop.signal));
  t.teardown(async () => {
    stop.abort();
    await running;
    await e.close();
  });
  return { env: e, faulty, informer, events, start, stop, running: () => running };
}

const names = (objs: readonly KubeObject[]) => objs.map((o) => o.metadata.name).sort();

t.test('initial list (paged) fills the cache, then watch events keep it current', async (t) => {
  const { env, faulty, informer, events, start } = await setup(t, { pageSize: 2 });
  for (const n of ['a', 'b', 'c', 'd', 'e']) await env.client.create(instanceType, instance(n));
  t.notOk(informer.hasSynced());
  start();
  t.ok(await informer.waitForSync());
  t.equal(faulty.lists.length, 3, 'five objects in pages of two');
  t.same(names(informer.cache.list()), ['a', 'b', 'c', 'd', 'e']);
  t.same(events.sort(), ['add a@1', 'add b@1', 'add c@1', 'add d@1', 'add e@1']);
  events.length = 0;
  await env.client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: 2 } } });
  await env.client.delete(instanceType, 'default', 'b');
  await env.client.create(instanceType, instance('f'));
  await until(() => events.length === 3, 'three events');
  t.same(events, ['update a@1->a@2', 'delete b', 'add f@1']);
  t.equal(informer.cache.get('default/a')?.spec?.['vcpus'], 2);
  t.equal(informer.cache.get('default/b'), undefined);
  t.equal(informer.lastSyncResourceVersion, informer.cache.get('default/f')?.metadata.resourceVersion, 'tracks the newest revision');
  t.match(faulty.watches[0], { allowBookmarks: true }, 'bookmarks are requested');
  t.ok((faulty.watches[0]?.timeoutSeconds ?? 0) >= 300, 'watches have a server-side lifetime');
});

t.test('a dropped watch resumes from the last resourceVersion without listing again', async (t) => {
  const { env, faulty, informer, events, start } = await setup(t);
  await env.client.create(instanceType, instance('a'));
  start();
  await informer.waitForSync();
  const seenRv = informer.lastSyncResourceVersion;
  faulty.disconnect();
  await env.client.create(instanceType, instance('b'));
  await new Promise((resolve) => setTimeout(resolve, 30));
  faulty.reconnect();
  await until(() => events.includes('add b@1'), 'the add made while disconnected');
  t.equal(faulty.lists.length, 1, 'no relist');
  const resumed = faulty.watches[faulty.watches.length - 1];
  t.equal(resumed?.resourceVersion, seenRv, 'resumed from the revision seen before the drop');
});

t.test('410: history compacted while disconnected → relist, and deletes are not lost', async (t) => {
  const { env, faulty, informer, events, start } = await setup(t);
  for (const n of ['a', 'b', 'c']) await env.client.create(instanceType, instance(n));
  start();
  await informer.waitForSync();
  events.length = 0;
  faulty.disconnect();
  await env.client.delete(instanceType, 'default', 'b');
  await env.client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: 3 } } });
  await env.client.create(instanceType, instance('d'));
  const { revision } = await env.backend.stats();
  await env.backend.compact(revision);
  faulty.reconnect();
  await until(() => events.length === 3, 'the diff of the relist');
  t.same(events, ['delete b', 'add d@1', 'update a@1->a@3'], 'deletes first, then adds and updates');
  t.equal(faulty.lists.length, 2, 'listed again after the 410');
  t.same(names(informer.cache.list()), ['a', 'c', 'd']);
  t.equal(informer.lastSyncResourceVersion, String(revision));
  await env.client.delete(instanceType, 'default', 'c');
  await until(() => events.includes('delete c'), 'watching again after the relist');
});

t.test('a watch silent past the watchdog period is restarted; bookmarks count as activity', async (t) => {
  await t.test('silent watch', async (t) => {
    const clock = new FakeClock();
    const { faulty, informer, start } = await setup(t, { clock, watchdogMs: 1000 });
    faulty.hang(true);
    start();
    await informer.waitForSync();
    await clock.flush();
    t.equal(faulty.watches.length, 1);
    await clock.advance(999);
    t.equal(faulty.watches.length, 1, 'not before the period');
    await clock.advance(1);
    await until(() => faulty.watches.length === 2, 'a restarted watch');
    t.equal(faulty.watches[1]?.resourceVersion, faulty.watches[0]?.resourceVersion, 'resumed, not relisted');
    t.equal(faulty.lists.length, 1);
  });
  await t.test('bookmarks keep it alive and advance the revision', async (t) => {
    const env = await openEnv({ bookmarkIntervalMs: 40 });
    const { faulty, informer, events, start } = await setup(t, { watchdogMs: 400, labelSelector: 'watched=yes' }, env);
    await env.client.create(instanceType, instance('a', { labels: { watched: 'yes' } }));
    start();
    await informer.waitForSync();
    const before = Number(informer.lastSyncResourceVersion);
    // Outside the selection: no event reaches the informer, only bookmarks can move its revision.
    await env.client.create(instanceType, instance('hidden'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    t.same(events, ['add a@1']);
    t.equal(faulty.watches.length, 1, 'never restarted while bookmarks flow');
    t.ok(Number(informer.lastSyncResourceVersion) > before, 'a bookmark moved the revision past the hidden write');
  });
});

t.test('handlers added after sync see the cached objects; thrown handler errors do not stop the informer', async (t) => {
  const { env, informer, events, start } = await setup(t);
  await env.client.create(instanceType, instance('a'));
  informer.addEventHandler({
    onAdd: () => {
      throw new Error('handler bug');
    },
  });
  start();
  await informer.waitForSync();
  const late: string[] = [];
  const remove = informer.addEventHandler({ onAdd: (o) => late.push(o.metadata.name) });
  t.same(late, ['a'], 'replayed at once');
  remove();
  await env.client.create(instanceType, instance('b'));
  await until(() => events.includes('add b@1'), 'the next event');
  t.same(late, ['a'], 'a removed handler hears nothing');
});

t.test('list failures back off and retry until the API answers', async (t) => {
  const { faulty, informer, start } = await setup(t);
  faulty.disconnect();
  start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.notOk(informer.hasSynced());
  faulty.reconnect();
  t.ok(await informer.waitForSync());
});

t.test('the informer stops on abort and cannot be started twice', async (t) => {
  const { informer, start, stop, running } = await setup(t);
  start();
  await informer.waitForSync();
  await t.rejects(informer.start(new AbortController().signal), /already started/);
  stop.abort();
  await running();
  t.pass('start resolved after abort');
});
