/**
 * etcd-only behaviour: URL parsing, key-prefix isolation on a shared etcd, and unavailability mapping.
 */
import { createServer } from 'node:net';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { BadRequestError, UnavailableError } from '../../src/errors/index.js';
import { openBackend, parseEtcdUrl } from '../../src/store/index.js';
import { startEtcd } from '../helpers/etcd.js';
import { collect, rejection } from './helpers.js';

t.test('URL parsing', async (t) => {
  const table = [
    { url: 'etcd://127.0.0.1:2379', hosts: ['http://127.0.0.1:2379'], keyPrefix: '' },
    { url: 'etcd://h1:2379,h2:2380', hosts: ['http://h1:2379', 'http://h2:2380'], keyPrefix: '' },
    { url: 'etcd://h1:2379/tenant-a', hosts: ['http://h1:2379'], keyPrefix: '/tenant-a' },
    { url: 'etcd://h1:2379/a/b/', hosts: ['http://h1:2379'], keyPrefix: '/a/b' },
    { url: 'etcd://[::1]:2379/', hosts: ['http://[::1]:2379'], keyPrefix: '' },
  ];
  for (const { url, ...want } of table) t.same(parseEtcdUrl(url), want, url);
  for (const bad of ['etcd://', 'etcd://host', 'etcd://h:1,,h:2', 'etcd://h:x/p']) {
    t.throws(() => parseEtcdUrl(bad), BadRequestError, `${bad} is rejected`);
  }
});

t.test('key prefixes isolate stores sharing one etcd', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const a = await openBackend(`${etcd.url}/tenant-a`);
  const b = await openBackend(`${etcd.url}/tenant-b`);
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const wb = b.watch({ prefix: '' });
  await a.create('/registry/x', 'from-a');
  await b.create('/registry/x', 'from-b');
  t.equal((await a.get('/registry/x'))?.value, 'from-a');
  t.same((await b.range({ prefix: '' })).kvs.map((kv) => [kv.key, kv.value]), [['/registry/x', 'from-b']], 'b sees only its own keys, unprefixed');
  t.same((await collect(wb, 1)).map((e) => [e.kv.key, e.kv.value]), [['/registry/x', 'from-b']], 'b’s watch sees only b’s writes');
  wb.close();
  t.equal((await a.stats()).keys, 1, 'stats count only the store’s own keys');

  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.teardown(() => raw.close());
  t.same((await raw.getAll().prefix('/tenant-').keys()).sort(), ['/tenant-a/registry/x', '/tenant-b/registry/x'], 'etcd holds the prefixed keys');
});

t.test('an unreachable etcd is UnavailableError', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const started = Date.now();
  const err = await rejection(openBackend(`etcd://127.0.0.1:${port}`, {}));
  t.ok(err instanceof UnavailableError, `opening fails with UnavailableError (got ${String(err)})`);
  t.ok(Date.now() - started < 15_000, 'and fails fast');

  const etcd = await startEtcd();
  const b = await openBackend(etcd.url);
  t.teardown(() => b.close());
  await b.create('/k', 'v');
  await etcd.stop();
  const down = await rejection(b.get('/k'));
  t.ok(down instanceof UnavailableError, `reads after etcd stopped fail with UnavailableError (got ${String(down)})`);
  t.equal(down instanceof UnavailableError ? down.httpStatus : 0, 503);
  const write = await rejection(b.create('/k2', 'v'));
  t.ok(write instanceof UnavailableError, 'writes too');
});

t.test('a watch survives an etcd restart without gaps', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const b = await openBackend(`${etcd.url}/restart`);
  t.teardown(() => b.close());
  const from = (await b.stats()).revision;
  const w = b.watch({ prefix: '/r/', fromRevision: from });
  const before = await b.create('/r/1', 'a');
  t.same((await collect(w, 1)).map((e) => e.revision), [before.revision], 'event before the restart');
  await etcd.restart();
  const writes: number[] = [];
  for (let i = 2; i <= 4; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        writes.push((await b.create(`/r/${i}`, 'b')).revision);
        break;
      } catch (err) {
        // The client's circuit breaker may still be open for a few seconds after the restart.
        if (!(err instanceof UnavailableError) || attempt > 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
  const after = await collect(w, 3, 20_000);
  t.same(after.map((e) => e.revision), writes, 'events after the restart, none lost or repeated');
  w.close();
});
