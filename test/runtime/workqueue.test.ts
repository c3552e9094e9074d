import t from 'tap';
import { FakeClock } from '../../src/runtime/clock.js';
import type { WorkQueueMetrics } from '../../src/runtime/metrics.js';
import { exponentialFailureRateLimiter, nopRateLimiter } from '../../src/runtime/ratelimit.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';

/** Resolves with the key if `get()` answers before the pending promise chains settle, else 'waiting'. */
async function poll(p: Promise<string | undefined>): Promise<string | undefined | 'waiting'> {
  return Promise.race([p, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
}

function newQueue(clock = new FakeClock()) {
  return { clock, queue: new WorkQueue({ clock, rateLimiter: exponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000 }) }) };
}

t.test('keys are deduplicated while waiting and handed out in FIFO order', async (t) => {
  const { queue } = newQueue();
  for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) queue.add(key);
  t.equal(queue.len(), 3);
  t.same([await queue.get(), await queue.get(), await queue.get()], ['a', 'b', 'c']);
  t.equal(queue.len(), 0);
});

t.test('a key re-added while processing is processed again after done, never concurrently', async (t) => {
  const { queue } = newQueue();
  queue.add('a');
  const first = await queue.get();
  t.equal(first, 'a');
  const second = queue.get();
  queue.add('a');
  queue.add('a');
  t.equal(queue.len(), 0, 'not queued while a worker holds it');
  t.equal(await poll(second), 'waiting', 'a second worker does not get the held key');
  queue.done('a');
  t.equal(await poll(second), 'a', 'handed out again once released, once');
  queue.done('a');
  t.equal(queue.len(), 0);
  t.equal(await poll(queue.get()), 'waiting', 'the two re-adds collapsed into one');
});

t.test('a waiting getter receives the next added key', async (t) => {
  const { queue } = newQueue();
  const waiting = queue.get();
  t.equal(await poll(waiting), 'waiting');
  queue.add('x');
  t.equal(await waiting, 'x');
});

t.test('addAfter waits on the clock; the earliest of two delays wins', async (t) => {
  const cases = [
    { name: 'single delay', delays: [100], readyAt: 100 },
    { name: 'shorter second delay replaces the first', delays: [100, 40], readyAt: 40 },
    { name: 'longer second delay is ignored', delays: [40, 100], readyAt: 40 },
    { name: 'zero delay adds at once', delays: [0], readyAt: 0 },
  ];
  for (const c of cases) {
    const { queue, clock } = newQueue();
    for (const d of c.delays) queue.addAfter('k', d);
    if (c.readyAt > 0) {
      await clock.advance(c.readyAt - 1);
      t.equal(queue.len(), 0, `${c.name}: not yet`);
      await clock.advance(1);
    }
    t.equal(queue.len(), 1, `${c.name}: ready at ${c.readyAt} ms`);
    await queue.get();
    queue.done('k');
    await clock.advance(1000);
    t.equal(queue.len(), 0, `${c.name}: added once`);
  }
});

t.test('addRateLimited backs off per key until forgotten', async (t) => {
  const { queue, clock } = newQueue();
  const readyAfter: number[] = [];
  for (let i = 0; i < 4; i++) {
    const start = clock.now();
    queue.addRateLimited('k');
    while (queue.len() === 0) await clock.advance(1);
    readyAfter.push(clock.now() - start);
    await queue.get();
    queue.done('k');
  }
  t.same(readyAfter, [10, 20, 40, 80]);
  t.equal(queue.numRequeues('k'), 4);
  queue.forget('k');
  t.equal(queue.numRequeues('k'), 0);
  queue.addRateLimited('k');
  await clock.advance(10);
  t.equal(queue.len(), 1, 'back to the base delay');
});

t.test('shutdown: adds ignored, delayed keys dropped, queued keys still handed out, then undefined', async (t) => {
  const { queue, clock } = newQueue();
  queue.add('a');
  queue.add('b');
  queue.addAfter('later', 10);
  const held = await queue.get();
  t.equal(held, 'a');
  const drained = queue.shutDownWithDrain();
  let isDrained = false;
  void drained.then(() => (isDrained = true));
  queue.add('c');
  await clock.advance(100);
  t.equal(queue.len(), 1, 'only b remains');
  t.equal(await queue.get(), 'b');
  t.equal(await queue.get(), undefined, 'empty after shutdown');
  queue.done('b');
  await clock.flush();
  t.notOk(isDrained, 'a is still being processed');
  queue.done('a');
  await drained;
  t.ok(queue.isShuttingDown());
});

t.test('getters waiting at shutdown resolve undefined', async (t) => {
  const { queue } = newQueue();
  const a = queue.get();
  const b = queue.get();
  queue.shutDown();
  t.same([await a, await b], [undefined, undefined]);
});

t.test('metrics hooks see adds, depth, retries and durations', async (t) => {
  const clock = new FakeClock();
  const seen = { adds: 0, retries: 0, depth: [] as number[], queued: [] as number[], work: [] as number[], names: new Set<string>() };
  const metrics: WorkQueueMetrics = {
    setDepth: (name, d) => {
      seen.names.add(name);
      seen.depth.push(d);
    },
    incAdds: () => seen.adds++,
    incRetries: () => seen.retries++,
    observeQueueDuration: (_n, s) => seen.queued.push(s),
    observeWorkDuration: (_n, s) => seen.work.push(s),
  };
  const queue = new WorkQueue({ name: 'instances', clock, metrics, rateLimiter: exponentialFailureRateLimiter({ baseDelayMs: 5 }) });
  queue.add('a');
  queue.add('a');
  await clock.advance(30);
  await queue.get();
  await clock.advance(250);
  queue.done('a');
  queue.addRateLimited('a');
  t.equal(seen.adds, 2, 'every add counts, deduplicated or not');
  t.equal(seen.retries, 1);
  t.same(seen.queued, [0.03]);
  t.same(seen.work, [0.25]);
  t.same(seen.depth, [1, 0]);
  t.same([...seen.names], ['instances']);
});

t.test('with the do-nothing limiter a rate-limited add is immediate', async (t) => {
  const queue = new WorkQueue({ clock: new FakeClock(), rateLimiter: nopRateLimiter });
  queue.addRateLimited('k');
  t.equal(queue.len(), 1);
  t.equal(queue.numRequeues('k'), 0);
});
