import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { instanceType, providerConfigType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { ConflictError, ConvergeError, ErrorCode, TerminalError } from '../../src/errors/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { Controller, type ControllerOptions } from '../../src/runtime/controller.js';
import { InformerFactory } from '../../src/runtime/informers.js';
import type { ControllerMetrics, ReconcileResultLabel } from '../../src/runtime/metrics.js';
import { exponentialFailureRateLimiter } from '../../src/runtime/ratelimit.js';
import type { Reconciler, Request } from '../../src/runtime/request.js';
import { instance, providerConfig } from '../client/fixtures.js';
import { openEnv, until } from './helpers.js';

/** Counts what the controller reports through its metric hooks. */
class RecordingMetrics implements ControllerMetrics {
  readonly totals = new Map<ReconcileResultLabel, number>();
  errors = 0;
  terminal = 0;
  panics = 0;
  maxActive = 0;
  observed = 0;
  incReconcileTotal(_c: string, result: ReconcileResultLabel) {
    this.totals.set(result, (this.totals.get(result) ?? 0) + 1);
  }
  incReconcileErrors() {
    this.errors++;
  }
  incTerminalReconcileErrors() {
    this.terminal++;
  }
  incReconcilePanics() {
    this.panics++;
  }
  observeReconcileTime() {
    this.observed++;
  }
  setActiveWorkers(_c: string, n: number) {
    this.maxActive = Math.max(this.maxActive, n);
  }
  setMaxConcurrentReconciles() {}
  total(result: ReconcileResultLabel): number {
    return this.totals.get(result) ?? 0;
  }
}

/** pino lines captured for assertions. */
function captureLogs() {
  const lines: { level: number; msg: string; name?: string; namespace?: string; controller?: string; reconcileID?: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

const keyOf = (r: Request) => `${r.namespace ?? ''}/${r.name}`;

/** A running controller over a fresh store with a fake clock for its queue and timeouts. */
async function run(t: Test, reconciler: Reconciler, options: Partial<ControllerOptions> = {}, setup?: (c: Controller) => void) {
  const env = await openEnv();
  const clock = new FakeClock();
  const metrics = new RecordingMetrics();
  const logs = captureLogs();
  const informers = new InformerFactory({ client: env.client });
  const controller = new Controller({
    name: 'test',
    type: instanceType,
    reconciler,
    informers,
    clock,
    metrics,
    logger: logs.logger,
    rateLimiter: exponentialFailureRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 }),
    ...options,
  });
  setup?.(controller);
  const stop = new AbortController();
  const informersDone = informers.start(stop.signal);
  const controllerDone = controller.start(stop.signal);
  const shutdown = async () => {
    stop.abort();
    await Promise.all([informersDone, controllerDone]);
  };
  t.teardown(async () => {
    await shutdown();
    await env.close();
  });
  return { env, clock, metrics, logs, controller, shutdown, controllerDone };
}

t.test('every object is reconciled at start and again when it changes (keys, not events)', async (t) => {
  const seen: string[] = [];
  const { env } = await run(t, async (req) => {
    seen.push(keyOf(req));
  });
  await env.client.create(instanceType, instance('a'));
  await env.client.create(instanceType, instance('b', { namespace: 'other' }));
  await until(() => seen.length === 2, 'initial reconciles');
  t.same([...seen].sort(), ['default/a', 'other/b']);
  await env.client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: 2 } } });
  await until(() => seen.length === 3, 'reconcile after the change');
  t.equal(seen[2], 'default/a');
  await env.client.delete(instanceType, 'default', 'a');
  await until(() => seen.length === 4, 'reconcile after the delete');
  t.equal(seen[3], 'default/a', 'deletes are reconciled too (the reconciler finds the object gone)');
});

t.test('a thrown error is retried with per-key exponential backoff, then forgotten on success', async (t) => {
  let attempts = 0;
  const { env, clock, metrics, controller } = await run(t, async () => {
    attempts++;
    if (attempts <= 3) throw new Error(`attempt ${attempts} failed`);
  });
  await env.client.create(instanceType, instance('a'));
  await until(() => attempts === 1, 'first attempt');
  const retryTimes: number[] = [];
  const began = clock.now();
  while (attempts < 4) {
    const before = attempts;
    await clock.advance(10);
    if (attempts > before) retryTimes.push(clock.now() - began);
  }
  t.same(retryTimes, [100, 300, 700], 'waits 100, 200, 400 ms between attempts');
  t.equal(metrics.errors, 3);
  t.equal(metrics.total('error'), 3);
  t.equal(metrics.total('success'), 1);
  await clock.advance(60_000);
  t.equal(attempts, 4, 'no retry after success');
  controller.enqueue('default/a');
  await until(() => attempts === 5, 'a fresh enqueue reconciles at once');
});

t.test('TerminalError (also as a cause) is logged and not retried', async (t) => {
  const cases = [
    { name: 'terminal', error: () => new TerminalError('spec can never work') },
    { name: 'wrapped', error: () => new Error('create failed', { cause: new TerminalError('quota forbids') }) },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      let attempts = 0;
      const { env, clock, metrics, logs } = await run(t, async () => {
        attempts++;
        throw c.error();
      });
      await env.client.create(instanceType, instance('a'));
      await until(() => attempts === 1, 'first attempt');
      await clock.advance(60_000);
      t.equal(attempts, 1, 'never retried');
      t.equal(metrics.terminal, 1);
      t.equal(metrics.errors, 1);
      t.ok(logs.lines.some((l) => l.level === 50 && /terminal/.test(l.msg)), 'logged as an error');
    });
  }
});

t.test('ConflictError requeues (rate-limited) without an error log', async (t) => {
  let attempts = 0;
  const { env, clock, metrics, logs } = await run(t, async () => {
    attempts++;
    if (attempts === 1) throw new ConflictError('the object has been modified');
  });
  await env.client.create(instanceType, instance('a'));
  await until(() => attempts === 1, 'first attempt');
  await clock.advance(100);
  await until(() => attempts === 2, 'requeued after the base delay');
  t.equal(metrics.total('requeue'), 1);
  t.equal(metrics.errors, 0, 'not an error');
  t.notOk(logs.lines.some((l) => l.level >= 50), 'no error log');
});

t.test('a reconcile past its timeout is aborted, counted as an error and retried; never run twice at once', async (t) => {
  let attempts = 0;
  let running = 0;
  let overlap = false;
  const release: (() => void)[] = [];
  const { env, clock, metrics } = await run(
    t,
    async (_req, signal) => {
      attempts++;
      running++;
      if (running > 1) overlap = true;
      try {
        if (attempts === 1) {
          // Ignores its signal on purpose: the controller must not start the same key again meanwhile.
          await new Promise<void>((resolve) => release.push(resolve));
        } else if (attempts === 2) {
          await new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
        }
      } finally {
        running--;
      }
    },
    { reconcileTimeoutMs: 1000, workers: 2 },
  );
  await env.client.create(instanceType, instance('a'));
  await until(() => attempts === 1, 'first attempt');
  await clock.advance(1000);
  t.equal(metrics.errors, 1, 'the timeout counts as an error');
  await clock.advance(5000);
  t.equal(attempts, 1, 'not retried while the abandoned reconcile still runs');
  release[0]?.();
  await until(() => attempts === 2, 'retried once it returned');
  await clock.advance(1000);
  await until(() => metrics.errors === 2, 'the second, signal-honouring attempt timed out too');
  await clock.advance(200);
  await until(() => attempts === 3, 'third attempt');
  t.notOk(overlap, 'one key never reconciled concurrently');
});

t.test('panics (synchronous throws, non-Error values) are recovered and retried', async (t) => {
  const cases: { name: string; reconciler: (n: number) => Reconciler }[] = [
    {
      name: 'synchronous throw',
      reconciler: (n) => (() => {
        if (n === 1) throw new Error('sync boom');
        return Promise.resolve();
      }) as Reconciler,
    },
    {
      name: 'rejects with a string',
      reconciler: (n) => async () => {
        if (n === 1) throw 'string boom';
      },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      let attempts = 0;
      const { env, clock, metrics, logs } = await run(t, (req, signal, ctx) => c.reconciler(++attempts)(req, signal, ctx));
      await env.client.create(instanceType, instance('a'));
      await until(() => attempts === 1, 'first attempt');
      await clock.advance(100);
      await until(() => attempts === 2, 'retried');
      t.equal(metrics.panics, 1);
      t.equal(metrics.errors, 1);
      t.ok(logs.lines.some((l) => /panic/.test(l.msg) && l.name === 'a' && l.controller === 'test' && l.reconcileID), 'logged with the request');
    });
  }
});

t.test('requeueAfterMs reconciles again after the delay', async (t) => {
  let attempts = 0;
  const { env, clock, metrics } = await run(t, async () => {
    attempts++;
    return { requeueAfterMs: 30_000 };
  });
  await env.client.create(instanceType, instance('a'));
  await until(() => attempts === 1, 'first attempt');
  await clock.advance(29_999);
  t.equal(attempts, 1);
  await clock.advance(1);
  await until(() => attempts === 2, 'requeued');
  t.equal(metrics.total('requeue_after'), 2);
});

t.test('watchOwned and watchMapped enqueue the primary objects', async (t) => {
  const seen: string[] = [];
  const { env } = await run(
    t,
    async (req) => {
      seen.push(keyOf(req));
    },
    {},
    (c) => {
      c.watchOwned(volumeType);
      c.watchMapped(providerConfigType, () => [{ namespace: 'default', name: 'mapped' }]);
    },
  );
  const owner = await env.client.create(instanceType, instance('owner'));
  await until(() => seen.includes('default/owner'), 'owner reconciled');
  seen.length = 0;
  const volume: KubeObject = {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Volume',
    metadata: {
      name: 'owner-root',
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', name: 'owner', uid: owner.metadata.uid ?? '', controller: true }],
    },
    spec: { providerRef: { name: 'default' }, sizeGiB: 1 },
  };
  await env.client.create(volumeType, volume);
  await until(() => seen.includes('default/owner'), 'owner reconciled for its volume');
  const notController = { ...volume, metadata: { ...volume.metadata, name: 'loose', ownerReferences: [{ ...volume.metadata.ownerReferences![0]!, controller: false }] } };
  await env.client.create(volumeType, notController);
  await env.client.create(providerConfigType, providerConfig('pc'));
  await until(() => seen.includes('default/mapped'), 'mapped key reconciled');
  t.same(seen, ['default/owner', 'default/mapped'], 'a non-controller owner reference enqueues nothing');
});

t.test('workers run different keys in parallel but never one key twice', async (t) => {
  let running = 0;
  const perKey = new Map<string, number>();
  let overlapSameKey = false;
  const { env, metrics } = await run(
    t,
    async (req) => {
      const key = keyOf(req);
      running++;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      if ((perKey.get(key) ?? 0) > 1) overlapSameKey = true;
      await new Promise((resolve) => setTimeout(resolve, 30));
      perKey.set(key, (perKey.get(key) ?? 1) - 1);
      running--;
    },
    { workers: 3 },
  );
  for (const n of ['a', 'b', 'c', 'd']) await env.client.create(instanceType, instance(n));
  for (let i = 0; i < 5; i++) await env.client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: i + 2 } } });
  await until(() => metrics.total('success') >= 5 && running === 0, 'all reconciled');
  t.equal(metrics.maxActive, 3, 'three at a time');
  t.notOk(overlapSameKey);
});

t.test('stopping aborts in-flight reconciles and resolves start', async (t) => {
  let aborted = false;
  let started = false;
  const { env, shutdown, controllerDone } = await run(t, async (_req, signal) => {
    started = true;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    aborted = true;
    throw new ConvergeError(ErrorCode.Unavailable, 'stopped');
  });
  await env.client.create(instanceType, instance('a'));
  await until(() => started, 'reconcile running');
  await shutdown();
  await controllerDone;
  t.ok(aborted, 'the reconcile saw its signal abort');
});

t.test('start fails when caches do not sync in time', async (t) => {
  const env = await openEnv();
  t.teardown(() => env.close());
  const clock = new FakeClock();
  const controller = new Controller({
    name: 'unsynced',
    type: instanceType,
    reconciler: async () => {},
    informers: new InformerFactory({ client: env.client }),
    clock,
    cacheSyncTimeoutMs: 5000,
  });
  const stop = new AbortController();
  const failed = t.rejects(controller.start(stop.signal), /did not sync/);
  await clock.advance(4999);
  let settled = false;
  void failed.then(() => (settled = true));
  await clock.flush();
  t.notOk(settled, 'still waiting before the timeout');
  await clock.advance(1);
  await failed;
});
