import t from 'tap';
import { instanceType } from '../../schemas/index.js';
import { validateStatus } from '../../schemas/validate.js';
import { ConflictError, TerminalError } from '../../src/errors/index.js';
import {
  creating,
  drifted,
  getCondition,
  notDrifted,
  ready,
  reconcileError,
  setCondition,
  synced,
  unavailable,
  withConditions,
  type Condition,
} from '../../src/runtime/conditions.js';
import { instance } from '../client/fixtures.js';

const T0 = new Date('2024-05-01T10:00:00Z');
const T1 = new Date('2024-05-01T11:00:00Z');

t.test('setCondition: no-op when unchanged, transition time only on status change, generation always stamped', async (t) => {
  const first = setCondition(undefined, ready(), { observedGeneration: 1, now: T0 });
  t.ok(first.changed);
  t.same(first.conditions, [{ type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-05-01T10:00:00Z', observedGeneration: 1 }]);
  const cases: { name: string; input: ReturnType<typeof ready>; generation: number; changed: boolean; time: string }[] = [
    { name: 'same condition, same generation', input: ready(), generation: 1, changed: false, time: '2024-05-01T10:00:00Z' },
    { name: 'same status, new generation', input: ready(), generation: 2, changed: true, time: '2024-05-01T10:00:00Z' },
    { name: 'same status, new message', input: ready('all good'), generation: 1, changed: true, time: '2024-05-01T10:00:00Z' },
    { name: 'status flips', input: unavailable('gone'), generation: 1, changed: true, time: '2024-05-01T11:00:00Z' },
    { name: 'status flips through a reason change', input: creating(), generation: 1, changed: true, time: '2024-05-01T11:00:00Z' },
  ];
  for (const c of cases) {
    const result = setCondition(first.conditions, c.input, { observedGeneration: c.generation, now: T1 });
    t.equal(result.changed, c.changed, `${c.name}: changed`);
    const ready = getCondition(result.conditions, 'Ready');
    t.equal(ready?.lastTransitionTime, c.time, `${c.name}: lastTransitionTime`);
    t.equal(ready?.observedGeneration, c.generation, `${c.name}: observedGeneration`);
  }
  const before = structuredClone(first.conditions);
  setCondition(first.conditions, unavailable(), { observedGeneration: 3 });
  t.same(first.conditions, before, 'the input list is not modified');
});

t.test('types are kept apart: one entry per type', async (t) => {
  let list: Condition[] | undefined;
  for (const c of [ready(), synced(), drifted(['spec.vcpus']), reconcileError(new Error('x')), notDrifted()]) {
    list = setCondition(list, c, { observedGeneration: 1, now: T0 }).conditions;
  }
  t.same(list?.map((c) => `${c.type}=${c.status}/${c.reason}`), ['Ready=True/Available', 'Synced=False/ReconcileError', 'Drifted=False/NoDrift']);
});

t.test('constructors produce conditions the status schema accepts', async (t) => {
  const inputs = [
    ready(),
    unavailable('host down'),
    creating(),
    synced(),
    reconcileError(new TerminalError('quota exceeded')),
    reconcileError(new ConflictError('x'.repeat(40_000))),
    reconcileError('not an error'),
    drifted(['spec.vcpus', 'spec.memoryMiB']),
    notDrifted(),
  ];
  for (const input of inputs) {
    const { conditions } = setCondition(undefined, input, { observedGeneration: 4, now: T0 });
    const result = validateStatus(instanceType, { conditions });
    t.ok(result.ok, `${input.type}/${input.reason} valid: ${JSON.stringify(result.ok ? '' : result.causes)}`);
  }
  t.match(drifted(['spec.b', 'spec.a']).message, /spec\.a, spec\.b/, 'paths listed, sorted');
});

t.test('withConditions copies the object, stamps its generation and reports no-ops', async (t) => {
  const obj = instance('vm');
  obj.metadata.generation = 7;
  const { object, changed } = withConditions(obj, [ready(), synced()], { now: T0 });
  t.ok(changed);
  t.equal(obj.status, undefined, 'the input object is not modified');
  const conditions = object.status?.['conditions'] as unknown as Condition[];
  t.same(conditions.map((c) => c.observedGeneration), [7, 7]);
  const again = withConditions(object, [ready(), synced()], { now: T1 });
  t.notOk(again.changed);
  t.equal(again.object, object, 'unchanged: the same object, so callers skip the write');
});
