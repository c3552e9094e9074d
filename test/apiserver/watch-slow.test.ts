/**
 * A watch client that stops reading is cut off once `watchQueueLines` events wait for it, without delaying the
 * other watchers; what it did receive is an in-order prefix, so re-watching from its last resourceVersion
 * loses nothing.
 */
import http from 'node:http';
import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { openWatch } from '../helpers/watch-stream.js';
import { INSTANCES, instance } from './fixtures.js';

const QUEUE = 20;
const server = await startTestServer({ limits: { watchQueueLines: QUEUE } });
t.teardown(() => server.stop());

/** A watch whose client reads nothing until `resume()`; then collects every event until the stream ends. */
function stalledWatch(path: string): Promise<{ resume(): Promise<{ names: string[]; lastRv: string; ended: boolean }> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}${path}`, (res) => {
      res.pause();
      resolve({
        resume: () =>
          new Promise((done) => {
            let buffer = '';
            const names: string[] = [];
            let lastRv = '';
            res.setEncoding('utf8');
            const finish = (ended: boolean) => done({ names, lastRv, ended });
            const timer = setTimeout(() => {
              req.destroy();
              finish(false);
            }, 15_000);
            res.on('data', (chunk: string) => {
              buffer += chunk;
              let nl;
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const e = JSON.parse(buffer.slice(0, nl)) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
                buffer = buffer.slice(nl + 1);
                names.push(e.object.metadata.name);
                lastRv = e.object.metadata.resourceVersion;
              }
            });
            res.on('end', () => {
              clearTimeout(timer);
              finish(true);
            });
            res.resume();
          }),
      });
    });
    req.on('error', reject);
  });
}

t.test('a stalled watcher is cut off; the others get every event promptly; re-watching resumes exactly', async (t) => {
  const list = await request(server.url, INSTANCES);
  const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const path = `${INSTANCES}?watch=1&resourceVersion=${rv}`;
  const stalled = await stalledWatch(path);
  const healthy = await openWatch(server.url, path);
  // Big objects fill the socket buffers between server and stalled client quickly (16 KiB each).
  const pad = 'x'.repeat(16 * 1024);
  const total = 600;
  let lastAck = 0;
  for (let i = 0; i < total; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, total - i) }, async (_, j) => {
        const obj = instance(`big-${i + j}`);
        const res = await request(server.url, INSTANCES, { method: 'POST', json: { ...obj, metadata: { ...obj.metadata, annotations: { pad } } } });
        if (res.status !== 201) throw new Error(res.text);
      }),
    );
    lastAck = Date.now();
  }
  const seen: string[] = [];
  for (let i = 0; i < total; i++) seen.push(String((await healthy.next(10_000)).object.metadata.name));
  const lag = Date.now() - lastAck;
  healthy.close();
  t.equal(new Set(seen).size, total, 'the healthy watcher got every create');
  t.ok(lag < 3000, `the healthy watcher was not held up (last event ${lag} ms after the last create was acknowledged)`);

  const got = await stalled.resume();
  t.ok(got.ended, 'the server ended the stalled stream');
  t.ok(got.names.length < total, `the stalled watcher was cut off (${got.names.length} of ${total} events)`);
  t.same(got.names, seen.slice(0, got.names.length), 'what it received is an in-order prefix');

  const rewatch = await openWatch(server.url, `${INSTANCES}?watch=1&resourceVersion=${got.lastRv}`);
  const rest: string[] = [];
  for (let i = got.names.length; i < total; i++) rest.push(String((await rewatch.next(10_000)).object.metadata.name));
  rewatch.close();
  t.same(rest, seen.slice(got.names.length), 're-watching from its last resourceVersion delivers exactly the rest');
});
