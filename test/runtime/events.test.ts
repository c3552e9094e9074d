import t from 'tap';
import { FakeClock } from '../../src/runtime/clock.js';
import { AggregatingRecorder, EventType, nopEventRecorder, type RecordedEvent } from '../../src/runtime/events.js';
import { instance } from '../client/fixtures.js';

function setup(options: { windowMs?: number; maxSeries?: number } = {}) {
  const clock = new FakeClock();
  const sent: RecordedEvent[] = [];
  const recorder = new AggregatingRecorder({ sink: { emit: (e) => void sent.push(e) }, component: 'instance-controller', clock, windowMs: 60_000, ...options });
  return { clock, sent, recorder };
}

const vm = instance('vm');
vm.metadata.uid = '11111111-1111-1111-1111-111111111111';

t.test('the first event goes out at once; repeats within the window fold into one update with the count', async (t) => {
  const { clock, sent, recorder } = setup();
  recorder.event(vm, EventType.Warning, 'ProviderUnreachable', 'connection refused');
  t.equal(sent.length, 1);
  t.match(sent[0], {
    involvedObject: { kind: 'Instance', namespace: 'default', name: 'vm', uid: vm.metadata.uid },
    type: 'Warning',
    reason: 'ProviderUnreachable',
    count: 1,
    source: { component: 'instance-controller' },
  });
  for (let i = 0; i < 9; i++) {
    await clock.advance(5_000);
    recorder.event(vm, EventType.Warning, 'ProviderUnreachable', 'connection refused');
  }
  t.equal(sent.length, 1, 'repeats are held back');
  await clock.advance(15_000);
  t.equal(sent.length, 2, 'one update at the end of the window');
  t.equal(sent[1]?.count, 10);
  t.equal(sent[1]?.name, sent[0]?.name, 'same series name, so a sink can upsert');
  t.equal(sent[1]?.firstTimestamp, sent[0]?.firstTimestamp);
  t.not(sent[1]?.lastTimestamp, sent[0]?.lastTimestamp);
  await clock.advance(600_000);
  t.equal(sent.length, 2, 'nothing more without new repeats');
});

t.test('different objects, reasons or messages are separate series', async (t) => {
  const { sent, recorder } = setup();
  const other = instance('other');
  recorder.event(vm, EventType.Normal, 'Created', 'created vm');
  recorder.event(vm, EventType.Normal, 'Created', 'created vm again');
  recorder.event(vm, EventType.Normal, 'Started', 'created vm');
  recorder.event(other, EventType.Normal, 'Created', 'created vm');
  t.equal(sent.length, 4);
  t.equal(new Set(sent.map((e) => e.name)).size, 4, 'distinct series names');
});

t.test('after a quiet window a repeat starts a new series; flush sends what is pending', async (t) => {
  const { clock, sent, recorder } = setup();
  recorder.event(vm, EventType.Normal, 'Synced', 'ok');
  await clock.advance(61_000);
  recorder.event(vm, EventType.Normal, 'Synced', 'ok');
  t.equal(sent.length, 2);
  t.not(sent[1]?.name, sent[0]?.name);
  t.equal(sent[1]?.count, 1);
  recorder.event(vm, EventType.Normal, 'Synced', 'ok');
  recorder.flush();
  t.equal(sent.length, 3);
  t.equal(sent[2]?.count, 2);
});

t.test('a failing sink never reaches the caller; memory is bounded', async (t) => {
  const clock = new FakeClock();
  const recorder = new AggregatingRecorder({
    sink: {
      emit: () => {
        throw new Error('sink down');
      },
    },
    component: 'c',
    clock,
  });
  t.doesNotThrow(() => recorder.event(vm, EventType.Normal, 'X', 'y'));
  const rejecting = new AggregatingRecorder({ sink: { emit: () => Promise.reject(new Error('async sink down')) }, component: 'c', clock });
  t.doesNotThrow(() => rejecting.event(vm, EventType.Normal, 'X', 'y'));
  const { sent, recorder: small } = setup({ maxSeries: 2 });
  for (const reason of ['A', 'B', 'C']) small.event(vm, EventType.Normal, reason, 'm');
  small.event(vm, EventType.Normal, 'A', 'm');
  t.equal(sent.length, 4, 'the evicted series starts over instead of being folded');
  t.doesNotThrow(() => nopEventRecorder.event(vm, EventType.Normal, 'X', 'y'));
});
