/**
 * The shared log watch under pressure: a slow consumer falls back from its live queue to reading the log,
 * and gets CompactedError if compaction removed what it still needed.
 */
import t from 'tap';
import { CompactedError, ConvergeError } from '../../src/errors/index.js';
import { planWrite, type WriteOp } from '../../src/store/log/plan.js';
import type { LogRow } from '../../src/store/log/row.js';
import { LogWatchHub } from '../../src/store/log/watch.js';
import { MemoryLog } from '../../src/store/memory/log.js';
import { collect, rejection } from './helpers.js';

function put(log: MemoryLog, hub: LogWatchHub, key: string, value: string): LogRow {
  const prev = log.latest(key);
  const op: WriteOp = prev === undefined ? { kind: 'create', key, value } : { kind: 'update', key, value, expected: prev.id };
  const row = planWrite(op, prev, log.currentRevision() + 1);
  if (row instanceof ConvergeError) throw row;
  log.append(row);
  hub.publish([row]);
  return row;
}

t.test('a slow consumer overflows to reading the log, without gaps', async (t) => {
  const log = new MemoryLog();
  const hub = new LogWatchHub(log, { pageSize: 7, maxQueue: 10 });
  const w = hub.watch({ prefix: '/x/' });
  for (let i = 0; i < 100; i++) {
    put(log, hub, `/x/${i % 3}`, String(i));
    put(log, hub, '/y/other', String(i));
  }
  const events = await collect(w, 100);
  t.same(events.map((e) => e.kv.value), Array.from({ length: 100 }, (_, i) => String(i)), 'all 100 events in order');
  put(log, hub, '/x/live', 'again');
  t.same((await collect(w, 1)).map((e) => e.kv.key), ['/x/live'], 'and it is live again afterwards');
  w.close();
  t.equal(hub.size, 0, 'closed watches leave the hub');
});

t.test('a slow consumer whose history was compacted gets CompactedError', async (t) => {
  const log = new MemoryLog();
  const hub = new LogWatchHub(log, { pageSize: 5, maxQueue: 10 });
  const w = hub.watch({ prefix: '/x/' });
  for (let i = 0; i < 50; i++) put(log, hub, '/x/k', String(i));
  log.compact(40);
  const got: string[] = [];
  const err = await rejection(
    (async () => {
      for await (const e of w) got.push(e.kv.value);
    })(),
  );
  t.ok(err instanceof CompactedError, 'CompactedError instead of a silent gap');
  t.same(got, [], 'nothing was delivered out of a compacted range');
});

t.test('a watch from a future revision waits for it', async (t) => {
  const log = new MemoryLog();
  const hub = new LogWatchHub(log);
  put(log, hub, '/x/a', '1');
  const w = hub.watch({ prefix: '/x/', fromRevision: 3 });
  put(log, hub, '/x/a', '2');
  put(log, hub, '/x/a', '3');
  put(log, hub, '/x/a', '4');
  t.same((await collect(w, 1)).map((e) => e.revision), [4], 'events at or below fromRevision are skipped');
  w.close();
});
