import { Writable } from 'node:stream';
import t from 'tap';
import { eventType } from '../../schemas/event.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { UnavailableError } from '../../src/errors/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { FakeClock } from '../../src/runtime/clock.js';
import {
  AggregatingRecorder,
  apiEventSink,
  eventObject,
  sweepExpiredEvents,
  EventType,
  teeEventSink,
  truncateEventMessage,
  type RecordedEvent,
} from '../../src/runtime/events.js';
import { openBackend } from '../../src/store/index.js';
import { instance } from '../client/fixtures.js';

async function setup() {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const client = createInProcessClient({ registry: createRegistryContext({ backend }) });
  const clock = new FakeClock();
  const pending: Promise<void>[] = [];
  const sink = apiEventSink(client);
  const recorder = new AggregatingRecorder({
    sink: { emit: (e) => void pending.push(Promise.resolve(sink.emit(e))) },
    component: 'instance-controller',
    clock,
    windowMs: 60_000,
  });
  const settle = async () => {
    while (pending.length > 0) await pending.shift();
  };
  const events = async (): Promise<KubeObject[]> => (await client.list(eventType, { namespace: 'default' })).items;
  return { client, clock, recorder, settle, events, backend };
}

const vm = instance('web-1');
vm.metadata.uid = '11111111-1111-1111-1111-111111111111';

t.test('the first occurrence creates an Event; repeats raise its count instead of creating more', async (t) => {
  const { clock, recorder, settle, events, backend } = await setup();
  t.teardown(() => backend.close());
  recorder.event(vm, EventType.Normal, 'Created', 'created instance web-1');
  await settle();
  const first = await events();
  t.equal(first.length, 1);
  t.match(first[0], {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { namespace: 'default', name: /^web-1\./ },
    involvedObject: { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', name: 'web-1', uid: vm.metadata.uid },
    reason: 'Created',
    type: 'Normal',
    count: 1,
    source: { component: 'instance-controller' },
  });
  for (let i = 0; i < 4; i++) {
    await clock.advance(5_000);
    recorder.event(vm, EventType.Normal, 'Created', 'created instance web-1');
  }
  recorder.flush();
  await settle();
  const after = await events();
  t.equal(after.length, 1, 'still one Event object');
  t.equal(after[0]?.['count'], 5);
  t.equal(after[0]?.['firstTimestamp'], first[0]?.['firstTimestamp']);
  t.not(after[0]?.['lastTimestamp'], first[0]?.['lastTimestamp'], 'lastTimestamp moves on');

  recorder.event(vm, EventType.Warning, 'ProviderUnreachable', 'connection refused');
  await settle();
  t.equal((await events()).length, 2, 'a different reason is a new series');
});

t.test('an update whose Event went missing recreates it; cluster-scoped objects report into default', async (t) => {
  const { client, backend } = await setup();
  t.teardown(() => backend.close());
  const sink = apiEventSink(client);
  const base: RecordedEvent = {
    name: 'sim.1',
    involvedObject: { apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', name: 'sim' },
    type: EventType.Normal,
    reason: 'Connected',
    message: 'ok',
    count: 3,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:01:00Z',
    source: { component: 'c' },
  };
  await sink.emit(base);
  const got = await client.get(eventType, 'default', 'sim.1');
  t.match(got, { count: 3, involvedObject: { name: 'sim' } });
});

t.test('write failures are logged and dropped, never thrown; long messages are cut to 1 KiB', async (t) => {
  const failing: ApiClient = new Proxy({} as ApiClient, {
    get: () => () => Promise.reject(new UnavailableError('store down')),
  });
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      warnings.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  const sink = apiEventSink(failing, { logger: createLogger({ level: 'warn', destination }) });
  const logged: RecordedEvent[] = [];
  const tee = teeEventSink(sink, { emit: (e) => void logged.push(e) });
  const event: RecordedEvent = {
    name: 'x.1',
    involvedObject: { apiVersion: 'v1', kind: 'X', name: 'x', namespace: 'default' },
    type: EventType.Warning,
    reason: 'Failed',
    message: 'boom',
    count: 1,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    source: { component: 'c' },
  };
  await t.resolves(Promise.resolve(tee.emit(event)));
  t.same(warnings, ['could not write event']);
  t.equal(logged.length, 1, 'the other sink still got it');

  const long = 'é'.repeat(600);
  const cut = truncateEventMessage(long);
  t.ok(Buffer.byteLength(cut, 'utf8') <= 1024);
  t.match(cut, /\.\.\.$/);
  t.equal(truncateEventMessage('short'), 'short');
});

t.test('the TTL sweep deletes events last seen more than an hour ago, in every namespace, and keeps the rest', async (t) => {
  const { client, backend } = await setup();
  t.teardown(() => backend.close());
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cases: [string, string | undefined, number][] = [
    ['old', 'default', now - 2 * 3_600_000],
    ['old-elsewhere', 'team-a', now - 3_600_001],
    ['cluster-scoped-old', undefined, now - 5 * 3_600_000],
    ['fresh', 'default', now - 59 * 60_000],
  ];
  for (const [name, namespace, last] of cases) {
    await client.create(
      eventType,
      eventObject({
        name,
        involvedObject: { apiVersion: 'v1', kind: 'X', name: 'x', ...(namespace !== undefined ? { namespace } : {}) },
        type: EventType.Normal,
        reason: 'R',
        message: 'm',
        count: 1,
        firstTimestamp: at(last),
        lastTimestamp: at(last),
        source: { component: 'c' },
      }),
    );
  }
  t.equal(await sweepExpiredEvents(client, { now }), 3);
  const left = (await client.list(eventType)).items.map((e) => e.metadata.name);
  t.same(left, ['fresh']);
  t.equal(await sweepExpiredEvents(client, { now }), 0, 'idempotent');
});
