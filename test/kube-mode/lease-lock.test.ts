/**
 * ApiLeaseLock, the ResourceLock of kube mode, against Converge's API server: over HTTP (the client a pod
 * uses against kube-apiserver) and in-process. The same contract as the store-backed lock: create-if-absent,
 * update only at the resourceVersion last read, and the object is the one kube-apiserver would hold.
 */
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { leaseType } from '../../schemas/index.js';
import type { JsonObject } from '../../schemas/object.js';
import { HttpApiClient } from '../../src/client/http.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { AlreadyExistsError, ConflictError, InvalidError } from '../../src/errors/index.js';
import { ApiLeaseLock, BackendLeaseLock, LeaderElector, type LeaderElectionRecord } from '../../src/runtime/index.js';
import { startTestServer } from '../helpers/server.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const kc = new KubeConfig();
kc.loadFromFile(server.kubeconfigPath);
const http = new HttpApiClient(kc);
t.teardown(() => http.close());

const clients: { name: string; client: ApiClient }[] = [
  { name: 'http', client: http },
  { name: 'in-process', client: createInProcessClient({ registry: server.registry }) },
];

const record = (holder: string, transitions = 0): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: '2026-01-01T00:00:00.000000Z',
  renewTime: '2026-01-01T00:00:01.000000Z',
  leaderTransitions: transitions,
});

for (const { name, client } of clients) {
  t.test(`${name}: create, get, update at the read version, conflicts, release`, async (t) => {
    const ns = `lock-${name}`;
    const a = new ApiLeaseLock({ client, namespace: ns, name: 'ctl' });
    const b = new ApiLeaseLock({ client, namespace: ns, name: 'ctl' });
    t.equal(await a.get(), undefined, 'no lease yet');
    const rv1 = await a.create(record('a'));
    await t.rejects(b.create(record('b')), AlreadyExistsError, 'a second create loses');

    const seen = await b.get();
    t.same(seen, { record: record('a'), resourceVersion: rv1 });
    const rv2 = await a.update(record('a'), rv1);
    t.not(rv2, rv1, 'a renewal is a new resourceVersion');
    await t.rejects(b.update(record('b', 1), rv1), ConflictError, 'an update at a stale resourceVersion loses');

    const stored = await client.get(leaseType, ns, 'ctl');
    t.match(stored, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'ctl', namespace: ns, resourceVersion: rv2 }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 } });

    // Released the way LeaderElector releases: no holder left in the object.
    const rv3 = await a.update({ ...record(''), leaseDurationSeconds: 1 }, rv2);
    const released = await client.get(leaseType, ns, 'ctl');
    t.equal((released.spec ?? {})['holderIdentity'], undefined, 'holderIdentity is dropped on release');
    t.equal(released.metadata.resourceVersion, rv3);
    t.equal((await b.get())?.record.holderIdentity, '');
  });
}

t.test('the API validates Leases like kube-apiserver', async (t) => {
  const bad: { spec: JsonObject; field: string }[] = [
    { spec: { leaseDurationSeconds: 0 }, field: 'spec.leaseDurationSeconds' },
    { spec: { leaseTransitions: -1 }, field: 'spec.leaseTransitions' },
    { spec: { renewTime: 'yesterday' }, field: 'spec.renewTime' },
    { spec: { holder: 'typo' }, field: 'spec.holder' },
  ];
  for (const c of bad) {
    const err = await http.create(leaseType, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'bad', namespace: 'v' }, spec: c.spec }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, InvalidError, c.field);
    t.ok(err instanceof InvalidError && err.causes.some((x) => x.field === c.field), `${c.field} is named: ${String(err)}`);
  }
});

t.test('converge serve (store lock) and converge serve --kube (API lock) read and write one Lease object', async (t) => {
  const store = new BackendLeaseLock({ backend: server.backend, namespace: 'shared', name: 'converge-controllers' });
  const api = new ApiLeaseLock({ client: http, namespace: 'shared', name: 'converge-controllers' });
  const rv = await store.create(record('standalone'));
  const seen = await api.get();
  t.equal(seen?.record.holderIdentity, 'standalone');
  t.equal(seen?.resourceVersion, rv, 'the resourceVersion is the store revision');
  await api.update(record('kube', 1), rv);
  t.equal((await store.get())?.record.holderIdentity, 'kube', 'the store lock sees the API write');
  await t.rejects(store.update(record('standalone'), rv), ConflictError, 'and loses with its stale revision');
});

t.test('two electors on one Lease over HTTP: exactly one leads; release hands over at once', async (t) => {
  const electors = ['r1', 'r2'].map(
    (id) =>
      new LeaderElector({
        lock: new ApiLeaseLock({ client: http, namespace: 'elect', name: 'converge-controllers' }),
        identity: id,
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 100,
      }),
  );
  const stops = electors.map(() => new AbortController());
  const leading = new Set<string>();
  const runs = electors.map((e, i) =>
    e.run(stops[i]!.signal, { onStartedLeading: () => leading.add(e.identity), onStoppedLeading: () => leading.delete(e.identity) }),
  );
  const until = async (what: string, cond: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until('a leader', () => leading.size > 0, 3000);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(leading.size, 1, 'one leader after several retry periods');
  const first = [...leading][0]!;
  const lease = await http.get(leaseType, 'elect', 'converge-controllers');
  t.equal((lease.spec ?? {})['holderIdentity'], first, 'the Lease names the leader');
  const i = electors.findIndex((e) => e.identity === first);
  const started = Date.now();
  stops[i]!.abort();
  await runs[i];
  const other = electors[1 - i]!.identity;
  await until('the other replica to lead', () => leading.has(other), 2000);
  t.ok(Date.now() - started < 1000, 'a released Lease is taken without waiting for expiry');
  t.equal(((await http.get(leaseType, 'elect', 'converge-controllers')).spec ?? {})['leaseTransitions'], 1);
  stops[1 - i]!.abort();
  await Promise.all(runs);
});
