import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawnServe } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { INSTANCES, instance } from '../apiserver/fixtures.js';

t.test('every acknowledged write survives kill -9 of converge serve', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-kill9-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const first = await spawnServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  const acknowledged = new Map<string, number>();
  let stop = false;
  // Four concurrent writers stream creates and updates until the process dies under them.
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      try {
        const res = await request(first.url, INSTANCES, { method: 'POST', json: instance(name, { spec: { vcpus: 1 + (i % 8) } }) });
        if (res.status === 201) acknowledged.set(name, 1 + (i % 8));
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  while (acknowledged.size < 300) await new Promise((r) => setTimeout(r, 20));
  await first.kill9();
  stop = true;
  await Promise.all(writers);
  t.ok(acknowledged.size >= 300, `${acknowledged.size} writes acknowledged before kill -9`);

  const second = await spawnServe(['--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.teardown(() => second.stop());
  const list = await request(second.url, `${INSTANCES}`);
  t.equal(list.status, 200);
  const stored = new Map(
    (list.body['items'] as { metadata: { name: string }; spec: { vcpus: number } }[]).map((i) => [i.metadata.name, i.spec.vcpus]),
  );
  const missing = [...acknowledged].filter(([name, vcpus]) => stored.get(name) !== vcpus);
  t.same(missing, [], 'no acknowledged write is missing or different after restart');
  const created = await request(second.url, INSTANCES, { method: 'POST', json: instance('after-restart') });
  t.equal(created.status, 201, 'the restarted server accepts writes');
  t.equal(await second.stop(), 0, 'clean shutdown on SIGTERM exits 0');
});
