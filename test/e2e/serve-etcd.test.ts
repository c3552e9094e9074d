import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startEtcd } from '../helpers/etcd.js';
import { spawnServe } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { openWatch } from '../helpers/watch-stream.js';
import { INSTANCES, instance } from '../apiserver/fixtures.js';

t.test('converge serve --store etcd:// keeps its state in etcd across restarts', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-etcd-serve-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const store = `${etcd.url}/converge`;
  const first = await spawnServe(['--data-dir', dataDir, '--store', store, '--listen', '127.0.0.1:0']);
  t.match(first.output(), /Store: etcd:\/\//);
  const created = await request(first.url, INSTANCES, { method: 'POST', json: instance('on-etcd') });
  t.equal(created.status, 201, created.text);
  const rv = (created.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const watch = await openWatch(first.url, `${INSTANCES}?watch=1&resourceVersion=${rv}`);
  await request(first.url, `${INSTANCES}/on-etcd`, { method: 'PATCH', json: { spec: { vcpus: 3 } }, contentType: 'application/merge-patch+json' });
  const event = await watch.next();
  t.match(event, { type: 'MODIFIED', object: { metadata: { name: 'on-etcd' } } });
  watch.close();
  t.equal(await first.stop(), 0);

  const second = await spawnServe(['--data-dir', dataDir, '--store', store, '--listen', '127.0.0.1:0']);
  t.teardown(() => second.stop());
  const got = await request(second.url, `${INSTANCES}/on-etcd`);
  t.equal(got.status, 200);
  t.equal((got.body['spec'] as { vcpus: number }).vcpus, 3, 'state came back from etcd');
  const resumed = await openWatch(second.url, `${INSTANCES}?watch=1&resourceVersion=${rv}`);
  t.match(await resumed.next(), { type: 'MODIFIED' }, 'a watch resumes across a server restart from the same revision');
  resumed.close();
});
