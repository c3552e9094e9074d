import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { driftPolicyFor, MemoryJournal, pollDelayMs, Semaphore, trackDrift, type JournalEntry } from '../../src/managed/index.js';

const withSpec = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'x' }, spec: spec as KubeObject['spec'] });

t.test('driftPolicyFor: longest covering override wins; ObserveOnly never corrects', async (t) => {
  const overrides = [
    { path: 'spec.tags', policy: 'Report' },
    { path: 'spec.tags.owner', policy: 'Ignore' },
    { path: 'spec.vcpus', policy: 'Correct' },
  ];
  const rows: [Record<string, unknown>, string, string][] = [
    [{}, 'spec.vcpus', 'Correct'],
    [{ driftPolicy: 'Report' }, 'spec.vcpus', 'Report'],
    [{ driftPolicy: 'Report', driftOverrides: overrides }, 'spec.vcpus', 'Correct'],
    [{ driftPolicy: 'Correct', driftOverrides: overrides }, 'spec.tags.team', 'Report'],
    [{ driftPolicy: 'Correct', driftOverrides: overrides }, 'spec.tags.owner', 'Ignore'],
    [{ driftPolicy: 'Correct', driftOverrides: overrides }, 'spec.tagsx', 'Correct'],
    [{ driftPolicy: 'Correct', managementPolicy: 'ObserveOnly' }, 'spec.vcpus', 'Report'],
    [{ driftPolicy: 'Ignore', managementPolicy: 'ObserveOnly' }, 'spec.vcpus', 'Ignore'],
  ];
  for (const [spec, path, want] of rows) t.equal(driftPolicyFor(withSpec(spec), path), want, `${JSON.stringify(spec)} ${path}`);
});

t.test('trackDrift keeps firstSeen for unchanged drift and reports only fresh entries', async (t) => {
  const first = trackDrift([], [{ path: 'spec.vcpus', desired: 2, observed: 4 }], 'T1');
  t.same(first.fresh.map((e) => e.path), ['spec.vcpus']);
  const again = trackDrift(first.entries, [{ path: 'spec.vcpus', desired: 2, observed: 4 }], 'T2');
  t.same(again.entries, [{ path: 'spec.vcpus', desired: 2, observed: 4, firstSeen: 'T1', lastSeen: 'T2' }]);
  t.same(again.fresh, []);
  const changed = trackDrift(again.entries, [{ path: 'spec.vcpus', desired: 2, observed: 8 }], 'T3');
  t.equal(changed.entries[0]?.firstSeen, 'T3', 'a new observed value is new drift');
  t.equal(changed.fresh.length, 1);
});

t.test('MemoryJournal is bounded per resource and in resources', async (t) => {
  const journal = new MemoryJournal({ maxEntriesPerResource: 2, maxResources: 2 });
  const entry = (name: string, action: string): JournalEntry => ({
    kind: 'Volume', namespace: 'ns', name, action, externalName: 'cv-1', startedAt: 'T', durationMs: 1, result: 'Succeeded',
  });
  journal.record(entry('a', 'Create'));
  journal.record(entry('a', 'Update'));
  journal.record(entry('a', 'Delete'));
  t.same((await journal.list('Volume', 'ns', 'a')).map((e) => e.action), ['Update', 'Delete']);
  journal.record(entry('b', 'Create'));
  journal.record(entry('c', 'Create'));
  t.same(await journal.list('Volume', 'ns', 'a'), [], 'least recently recorded resource forgotten');
  t.equal((await journal.list('Volume', 'ns', 'c')).length, 1);
});

t.test('Semaphore admits at most the limit, FIFO, and abandons aborted waiters', async (t) => {
  const sem = new Semaphore(2);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) => sem.run(async () => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 5));
    order.push(i);
    active--;
  });
  await Promise.all([0, 1, 2, 3, 4].map(task));
  t.equal(peak, 2);
  t.same(order, [0, 1, 2, 3, 4]);
  const blocker = new Semaphore(1);
  let release = () => {};
  const held = blocker.run(() => new Promise<void>((r) => { release = r; }));
  const abort = new AbortController();
  const waiting = blocker.run(async () => 'ran', abort.signal);
  abort.abort(new Error('stop'));
  await t.rejects(waiting, /stop/);
  release();
  await held;
  t.equal(await blocker.run(async () => 'next'), 'next');
  t.equal(blocker.active, 0);
});

t.test('pollDelayMs: spec.pollInterval with ±10% jitter, default 10m', async (t) => {
  const rows: [Record<string, unknown>, number, number][] = [
    [{ pollInterval: '30s' }, 0, 27_000],
    [{ pollInterval: '30s' }, 0.5, 30_000],
    [{ pollInterval: '30s' }, 0.999999, 33_000],
    [{}, 0.5, 600_000],
  ];
  for (const [spec, roll, want] of rows) t.equal(pollDelayMs(withSpec(spec), () => roll), want, `${JSON.stringify(spec)} @${roll}`);
});
