import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { enqueueHandler, mapToSelf } from '../../src/runtime/handlers.js';
import { isSettled } from '../../src/runtime/conditions.js';
import { WorkQueue } from '../../src/runtime/workqueue.js';

async function drain(queue: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    out.push(key);
    queue.done(key);
  }
  return out;
}

t.test('low-priority keys wait for every normal key; FIFO within each tier', async (t) => {
  const queue = new WorkQueue();
  queue.addLowPriority('settled-1');
  queue.add('new-1');
  queue.addLowPriority('settled-2');
  queue.add('new-2');
  t.equal(queue.len(), 4);
  t.same(await drain(queue), ['new-1', 'new-2', 'settled-1', 'settled-2']);
});

t.test('a normal add promotes a waiting low-priority key; a low add never demotes', async (t) => {
  const queue = new WorkQueue();
  queue.addLowPriority('a');
  queue.addLowPriority('b');
  queue.add('c');
  queue.add('b');
  queue.addLowPriority('c');
  t.equal(queue.len(), 3, 'each key once');
  t.same(await drain(queue), ['c', 'b', 'a']);
});

t.test('a low-priority key re-added while processing is processed again once done', async (t) => {
  const queue = new WorkQueue();
  queue.addLowPriority('k');
  const key = await queue.get();
  queue.addLowPriority('k');
  t.equal(queue.len(), 0, 'not handed out twice at once');
  queue.done(key ?? '');
  t.same(await drain(queue), ['k']);
});

t.test('shutdown with drain hands out the low-priority keys too', async (t) => {
  const queue = new WorkQueue();
  queue.addLowPriority('x');
  const drained = queue.shutDownWithDrain();
  const key = await queue.get();
  t.equal(key, 'x');
  queue.done('x');
  await drained;
  t.equal(await queue.get(), undefined);
});

const obj = (name: string, status: Record<string, unknown>, generation = 1): KubeObject =>
  ({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name, namespace: 'default', generation }, status }) as unknown as KubeObject;
const cond = (type: string, status: string) => ({ type, status, reason: 'R', lastTransitionTime: '2026-01-01T00:00:00Z' });
const settledStatus = { observedGeneration: 1, conditions: [cond('Ready', 'True'), cond('Synced', 'True'), cond('Drifted', 'False')] };

t.test('isSettled: Ready and Synced at the current generation, not drifted, not deleting', async (t) => {
  const cases: [string, KubeObject, boolean][] = [
    ['ready and synced', obj('a', settledStatus), true],
    ['never reconciled', obj('b', {}), false],
    ['spec changed since', obj('c', settledStatus, 2), false],
    ['failing', obj('d', { observedGeneration: 1, conditions: [cond('Ready', 'True'), cond('Synced', 'False')] }), false],
    ['drifted', obj('e', { observedGeneration: 1, conditions: [cond('Ready', 'True'), cond('Synced', 'True'), cond('Drifted', 'True')] }), false],
    ['deleting', { ...obj('f', settledStatus), metadata: { name: 'f', generation: 1, deletionTimestamp: '2026-01-01T00:00:00Z' } } as KubeObject, false],
  ];
  for (const [what, o, want] of cases) t.equal(isSettled(o), want, what);
});

t.test('the enqueue handler puts adds of settled objects at low priority, everything else at normal', async (t) => {
  const queue = new WorkQueue();
  const handler = enqueueHandler(queue, mapToSelf, undefined, { settled: isSettled });
  handler.onAdd?.(obj('old', settledStatus));
  handler.onAdd?.(obj('fresh', {}));
  handler.onUpdate?.(obj('old2', settledStatus), obj('old2', settledStatus));
  t.same(await drain(queue), ['default/fresh', 'default/old2', 'default/old']);
});
