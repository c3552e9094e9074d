import t from 'tap';
import { ConvergeError, ErrorCode } from '../../src/errors/index.js';
import { openBackend } from '../../src/store/index.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { LeaderElector } from '../../src/runtime/leader.js';
import { BackendLeaseLock } from '../../src/runtime/lease-lock.js';
import { alwaysLeader, Manager, type LeaderElection, type LeadershipCallbacks, type Runnable } from '../../src/runtime/manager.js';
import { until } from './helpers.js';

/** A runnable that records whether it runs, and can fail on demand. */
class Probe implements Runnable {
  running = false;
  starts = 0;
  private fail: ((err: unknown) => void) | undefined;
  constructor(readonly needLeaderElection: boolean) {}
  start(signal: AbortSignal): Promise<void> {
    this.running = true;
    this.starts++;
    return new Promise((resolve, reject) => {
      this.fail = reject;
      signal.addEventListener(
        'abort',
        () => {
          this.running = false;
          resolve();
        },
        { once: true },
      );
    });
  }
  crash(err: unknown): void {
    this.running = false;
    this.fail?.(err);
  }
}

/** Leader election driven by the test: `elect()` starts a term, `lose()` ends it. */
class ManualElection implements LeaderElection {
  private callbacks: LeadershipCallbacks | undefined;
  private term: AbortController | undefined;
  private finished: (() => void) | undefined;
  run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    this.callbacks = callbacks;
    return new Promise((resolve) => {
      this.finished = resolve;
      signal.addEventListener('abort', () => this.lose(), { once: true });
    });
  }
  elect(): void {
    this.term = new AbortController();
    this.callbacks?.onStartedLeading(this.term.signal);
  }
  lose(): void {
    if (this.term && !this.term.signal.aborted) {
      this.term.abort();
      this.callbacks?.onStoppedLeading();
    }
    this.finished?.();
  }
}

t.test('without leader election everything runs until the signal aborts', async (t) => {
  const manager = new Manager();
  const cache = new Probe(false);
  const controller = new Probe(true);
  manager.add(cache);
  manager.add(controller);
  const stop = new AbortController();
  const done = manager.start(stop.signal);
  await until(() => cache.running && controller.running, 'both running');
  t.ok(manager.isLeader());
  const late = new Probe(true);
  manager.add(late);
  t.ok(late.running, 'added after start: started at once');
  stop.abort();
  await done;
  t.notOk(cache.running || controller.running || late.running, 'all stopped');
});

t.test('leader-only runnables wait for leadership and stop when it is lost', async (t) => {
  const election = new ManualElection();
  let lost = 0;
  const manager = new Manager({ leaderElection: election, onLeadershipLost: () => lost++ });
  const cache = new Probe(false);
  const controller = new Probe(true);
  manager.add(cache);
  manager.add(controller);
  const stop = new AbortController();
  const done = manager.start(stop.signal);
  await until(() => cache.running, 'cache running');
  t.notOk(controller.running, 'controller waits for the lease');
  election.elect();
  await until(() => controller.running, 'controller running while leading');
  t.ok(manager.isLeader());
  election.lose();
  await until(() => !controller.running, 'controller stopped');
  t.ok(cache.running, 'the cache keeps running');
  t.equal(lost, 1, 'the process is told');
  t.notOk(manager.isLeader());
  stop.abort();
  await done;
  t.equal(lost, 1, 'a shutdown is not a loss');
});

t.test('a runnable failing stops the manager and start rejects with its error', async (t) => {
  const manager = new Manager();
  const a = new Probe(false);
  const b = new Probe(false);
  manager.add(a);
  manager.add(b);
  const done = manager.start(new AbortController().signal);
  await until(() => a.running && b.running, 'running');
  a.crash(new ConvergeError(ErrorCode.Internal, 'cache exploded'));
  await t.rejects(done, /cache exploded/);
  t.notOk(b.running, 'the others were stopped');
});

t.test('two managers on one store: only the lease holder runs its controllers', async (t) => {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const clock = new FakeClock();
  const stop = new AbortController();
  t.teardown(() => backend.close());
  const replicas = ['r1', 'r2'].map((identity) => {
    const elector = new LeaderElector({ lock: new BackendLeaseLock({ backend, name: 'mgr' }), identity, clock, random: () => 0 });
    const manager = new Manager({ leaderElection: elector });
    const controller = new Probe(true);
    manager.add(controller);
    return { controller, done: manager.start(stop.signal) };
  });
  await clock.advance(30_000);
  t.same(
    replicas.map((r) => r.controller.running),
    [true, false],
  );
  stop.abort();
  await Promise.all(replicas.map((r) => r.done));
  t.notOk(replicas[0]?.controller.running);
});

t.test('alwaysLeader leads at once and a shutdown is not reported as a loss', async (t) => {
  let lost = 0;
  const manager = new Manager({ leaderElection: alwaysLeader, onLeadershipLost: () => lost++ });
  const controller = new Probe(true);
  manager.add(controller);
  const stop = new AbortController();
  const done = manager.start(stop.signal);
  await until(() => controller.running, 'controller running');
  stop.abort();
  await done;
  t.notOk(controller.running);
  t.equal(lost, 0);
});
