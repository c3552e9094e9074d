import t, { type Test } from 'tap';
import { InvalidError, UnavailableError } from '../../src/errors/index.js';
import { openBackend, type Backend } from '../../src/store/index.js';
import { FakeClock } from '../../src/runtime/clock.js';
import { LeaderElector, type LeaderElectionRecord, type ResourceLock } from '../../src/runtime/leader.js';
import { BackendLeaseLock } from '../../src/runtime/lease-lock.js';

/** A lock whose store connection can be cut, as when one replica loses the network. */
class CuttableLock implements ResourceLock {
  cut = false;
  constructor(private readonly inner: ResourceLock) {}
  private check(): void {
    if (this.cut) throw new UnavailableError('store unreachable (test)');
  }
  async get() {
    this.check();
    return this.inner.get();
  }
  async create(record: LeaderElectionRecord) {
    this.check();
    return this.inner.create(record);
  }
  async update(record: LeaderElectionRecord, rv: string) {
    this.check();
    return this.inner.update(record, rv);
  }
  describe() {
    return this.inner.describe();
  }
}

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;

/** Two candidates on one store, recording who leads when. */
async function twoCandidates(t: Test) {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const clock = new FakeClock();
  const leading = new Set<string>();
  let maxLeaders = 0;
  const timeline: string[] = [];
  const candidate = (identity: string) => {
    const lock = new CuttableLock(new BackendLeaseLock({ backend, namespace: 'converge-system', name: 'controllers' }));
    const elector = new LeaderElector({
      lock,
      identity,
      clock,
      leaseDurationMs: LEASE,
      renewDeadlineMs: RENEW,
      retryPeriodMs: RETRY,
      random: () => 0,
    });
    const stop = new AbortController();
    let termSignal: AbortSignal | undefined;
    const done = elector.run(stop.signal, {
      onStartedLeading(signal) {
        termSignal = signal;
        leading.add(identity);
        maxLeaders = Math.max(maxLeaders, leading.size);
        timeline.push(`${clock.now()} ${identity} leads`);
      },
      onStoppedLeading() {
        leading.delete(identity);
        timeline.push(`${clock.now()} ${identity} stops`);
      },
    });
    return { elector, lock, stop, done, term: () => termSignal };
  };
  const a = candidate('replica-a');
  await clock.flush();
  const b = candidate('replica-b');
  t.teardown(async () => {
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.done, b.done]);
    await backend.close();
  });
  return { backend, clock, leading, a, b, timeline, maxLeaders: () => maxLeaders };
}

async function storedLease(backend: Backend) {
  const kv = await backend.get('/registry/coordination.k8s.io/leases/converge-system/controllers');
  return kv === undefined ? undefined : (JSON.parse(kv.value) as { kind: string; spec: { holderIdentity?: string; leaseTransitions?: number } });
}

t.test('exactly one of two candidates leads, and keeps renewing', async (t) => {
  const { backend, clock, leading, a, b, maxLeaders } = await twoCandidates(t);
  await clock.advance(60_000);
  t.same([...leading], ['replica-a'], 'the first candidate leads');
  t.equal(maxLeaders(), 1, 'never two leaders');
  t.ok(a.elector.isLeader());
  t.notOk(b.elector.isLeader());
  t.equal(b.elector.leader(), 'replica-a', 'the follower knows the leader');
  const lease = await storedLease(backend);
  t.equal(lease?.kind, 'Lease', 'stored as a coordination.k8s.io Lease');
  t.equal(lease?.spec.holderIdentity, 'replica-a');
  t.equal(lease?.spec.leaseTransitions, 0);
});

t.test('when the leader cannot renew, it steps down at the renew deadline and the other takes over within the lease duration', async (t) => {
  const { backend, clock, leading, a, timeline, maxLeaders } = await twoCandidates(t);
  await clock.advance(10_000);
  const cutAt = clock.now();
  a.lock.cut = true;
  await clock.advance(LEASE + RETRY);
  t.same([...leading], ['replica-b']);
  t.equal(maxLeaders(), 1, 'never two leaders at once');
  t.ok(a.term()?.aborted, 'the old leader’s term signal aborted');
  const stops = timeline.find((l) => l.endsWith('replica-a stops'));
  const takes = timeline.find((l) => l.endsWith('replica-b leads'));
  t.ok(stops && Number(stops.split(' ')[0]) - cutAt <= RENEW + RETRY, `a gave up within the renew deadline: ${timeline.join('; ')}`);
  t.ok(takes && Number(takes.split(' ')[0]) - cutAt <= LEASE + RETRY, 'b took over within the lease duration (plus one retry)');
  t.ok(Number(stops?.split(' ')[0]) < Number(takes?.split(' ')[0]), 'a stopped before b started');
  const lease = await storedLease(backend);
  t.equal(lease?.spec.holderIdentity, 'replica-b');
  t.equal(lease?.spec.leaseTransitions, 1, 'a transition is counted');
  a.lock.cut = false;
  await a.done;
  t.pass('the old leader’s run() returned after losing the lease');
});

t.test('a leader shutting down releases the lease so the other takes over at its next retry', async (t) => {
  const { clock, leading, a } = await twoCandidates(t);
  await clock.advance(5_000);
  const stoppedAt = clock.now();
  a.stop.abort();
  await a.done;
  let tookOver: number | undefined;
  while (tookOver === undefined && clock.now() - stoppedAt < LEASE) {
    await clock.advance(100);
    if (leading.has('replica-b')) tookOver = clock.now();
  }
  t.ok(tookOver !== undefined && tookOver - stoppedAt <= RETRY + 100, 'no waiting for expiry');
});

t.test('options are validated like client-go', async (t) => {
  const backend = await openBackend('memory://');
  t.teardown(() => backend.close());
  const lock = new BackendLeaseLock({ backend, name: 'x' });
  const cases = [
    { name: 'renew deadline not above retry·1.2', options: { renewDeadlineMs: 2000, retryPeriodMs: 2000 } },
    { name: 'lease not above renew deadline', options: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 } },
    { name: 'empty identity', options: { identity: '' } },
  ];
  for (const c of cases) t.throws(() => new LeaderElector({ lock, identity: 'me', ...c.options }), InvalidError, c.name);
});
