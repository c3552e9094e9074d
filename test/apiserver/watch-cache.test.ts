/**
 * The shared fan-out's window: what it replays, what it declines (so the caller watches the store), and that
 * its watchers hear when the store goes away.
 */
import t from 'tap';
import { instanceType } from '../../schemas/instance.js';
import { encodeObject } from '../../src/registry/codec.js';
import { objectKey } from '../../src/registry/keys.js';
import { openBackend } from '../../src/store/index.js';
import type { Backend } from '../../src/store/types.js';
import { WatchCache, type CacheWatcherSpec, type ObjectEventType } from '../../src/apiserver/watch-cache.js';

function put(backend: Backend, name: string, labels: Record<string, string> = {}) {
  const obj = { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name, namespace: 'default', labels }, spec: {} };
  return backend.create(objectKey(instanceType, 'default', name), encodeObject(obj));
}

/** A watcher that records `TYPE name@revision` lines. */
function recorder(after: number, extra: Partial<CacheWatcherSpec> = {}) {
  const seen: string[] = [];
  let ended: unknown = 'not ended';
  const spec: CacheWatcherSpec = {
    after,
    onEvent: (type: ObjectEventType, e) => seen.push(`${type} ${e.object.metadata.name}@${e.revision}`),
    onEnd: (err) => {
      ended = err;
    },
    ...extra,
  };
  return { spec, seen, ended: () => ended };
}

const tick = () => new Promise((r) => setImmediate(r));

t.test('replays what its window holds and declines older starts', async (t) => {
  const backend = await openBackend('memory://');
  t.teardown(() => backend.close());
  const base = (await put(backend, 'before')).revision;
  const cache = await WatchCache.start(backend, instanceType, { capacity: 3 });
  t.teardown(() => cache.stop());
  const revs: number[] = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) revs.push((await put(backend, name)).revision);
  await tick();
  t.equal(cache.register(recorder(base).spec), undefined, 'its first events were evicted: the store must serve this start');
  t.equal(cache.register(recorder(revs[0]!).spec), undefined, 'the newest evicted revision is still outside the window');
  const r = recorder(revs[1]!);
  const reg = cache.register(r.spec);
  t.ok(reg, 'the oldest kept event is replayable');
  t.same(r.seen, [`ADDED c@${revs[2]}`, `ADDED d@${revs[3]}`, `ADDED e@${revs[4]}`], 'replayed in order, strictly after the start');
  await put(backend, 'f');
  await tick();
  t.match(r.seen.at(-1), /^ADDED f@/, 'then live events');
  reg?.close();
  await put(backend, 'g');
  await tick();
  t.notMatch(r.seen.at(-1), /g@/, 'a closed registration hears nothing');
});

t.test('selectors see objects enter and leave; progress covers filtered events', async (t) => {
  const backend = await openBackend('memory://');
  t.teardown(() => backend.close());
  const cache = await WatchCache.start(backend, instanceType);
  t.teardown(() => cache.stop());
  let progress = 0;
  const r = recorder(0, { filter: (o) => o.metadata.labels?.['tier'] === 'web', onProgress: (rev) => (progress = rev) });
  cache.register(r.spec);
  const key = objectKey(instanceType, 'default', 'x');
  const obj = (tier: string) => encodeObject({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'x', namespace: 'default', labels: { tier } }, spec: {} });
  const created = await backend.create(key, obj('db'));
  const entered = await backend.update(key, obj('web'), created.revision);
  const stayed = await backend.update(key, obj('web'), entered.revision);
  const left = await backend.update(key, obj('db'), stayed.revision);
  const other = await put(backend, 'y');
  await tick();
  t.same(r.seen, [`ADDED x@${entered.revision}`, `MODIFIED x@${stayed.revision}`, `DELETED x@${left.revision}`]);
  t.equal(progress, other.revision, 'progress reaches the newest revision even when it was filtered out');
});

t.test('its watchers hear when the store closes', async (t) => {
  const backend = await openBackend('memory://');
  const cache = await WatchCache.start(backend, instanceType);
  const r = recorder(0);
  cache.register(r.spec);
  await backend.close();
  await tick();
  t.equal(r.ended(), undefined, 'ended without an error');
  t.equal(cache.register(recorder(0).spec), undefined, 'a stopped cache takes no one');
});
