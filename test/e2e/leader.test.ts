import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openBackend } from '../../src/store/index.js';
import { startEtcd } from '../helpers/etcd.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';
import { request } from '../helpers/http.js';
import { INSTANCES, instance } from '../apiserver/fixtures.js';

const LEASE_KEY = '/registry/coordination.k8s.io/leases/converge-system/converge-controllers';

function identityOf(p: ServeProcess): string {
  const id = /Controllers: running \(replica (\S+)\)/.exec(p.output())?.[1];
  if (!id) throw new Error(`no replica identity in output: ${p.output()}`);
  return id;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readyCondition(url: string, name: string): Promise<string | undefined> {
  const res = await request(url, `${INSTANCES}/${name}`);
  const conditions = ((res.body['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions) ?? [];
  return conditions.find((c) => c.type === 'Ready' && c.status === 'True') ? 'True' : undefined;
}

t.test('two replicas on one etcd: exactly one reconciles; kill -9 the leader and the other takes over', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const store = `${etcd.url}/ha`;
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'converge-ha-'))));
  t.teardown(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const lease = ['--lease-duration', '3s'];
  const a = await spawnServe(['--data-dir', dirs[0]!, '--store', store, '--listen', '127.0.0.1:0', ...lease]);
  t.teardown(() => a.kill9());
  const peek = await openBackend(store);
  t.teardown(() => peek.close());
  const holder = async () => {
    const kv = await peek.get(LEASE_KEY);
    return kv ? (JSON.parse(kv.value) as { spec: { holderIdentity?: string } }).spec.holderIdentity : undefined;
  };
  await until('replica A to lead', 10_000, async () => ((await holder()) === identityOf(a) ? true : undefined));
  const b = await spawnServe(['--data-dir', dirs[1]!, '--store', store, '--listen', '127.0.0.1:0', ...lease]);
  t.teardown(() => b.stop());
  t.not(identityOf(a), identityOf(b));

  t.equal((await request(b.url, INSTANCES, { method: 'POST', json: instance('vm-a') })).status, 201, 'writes go through either replica');
  await until('vm-a Ready (reconciled by the leader)', 20_000, () => readyCondition(a.url, 'vm-a'));
  t.equal(await holder(), identityOf(a), 'A still leads: B stands by');
  const calls = async (url: string) =>
    [...(await request(url, '/metrics')).text.matchAll(/^converge_external_calls_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  t.ok((await calls(a.url)) > 0, 'the leader made the external calls');
  t.equal(await calls(b.url), 0, 'the standby made none');

  await a.kill9();
  t.equal((await request(b.url, INSTANCES, { method: 'POST', json: instance('vm-b') })).status, 201);
  const started = Date.now();
  await until('B to take the lease', 15_000, async () => ((await holder()) === identityOf(b) ? true : undefined));
  const tookOver = Date.now() - started;
  // The standby may take the lease once 3 s passed since the last renewal it saw, at its next retry (0.4 s);
  // the rest is slack for a loaded CI machine.
  t.ok(tookOver <= 3000 + 5000, `B took over ${tookOver} ms after the kill (lease 3 s)`);
  await until('vm-b Ready (reconciled by the new leader)', 20_000, () => readyCondition(b.url, 'vm-b'));
  t.pass('reconciliation continued on the surviving replica');
});
