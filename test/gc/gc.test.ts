/**
 * The garbage collector through a real server (`converge serve`'s code path, embedded sqlite): Background
 * collection of dependents whose owners are gone (also when the owner is re-created with a new uid), a
 * dependent with two owners surviving while one lives, Orphan (query parameter, DeleteOptions body and
 * orphanDependents) keeping dependents and stripping the reference, Foreground keeping the owner until its
 * blocking dependent is gone, references to kinds Converge does not serve (and namespaced owners of
 * cluster-scoped objects) left alone, dry-run, and the validation of ownerReferences.
 */
import t from 'tap';
import { clusterRoleType, poolType, secretType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { request } from '../helpers/http.js';
import {
  collectorCaughtUp,
  eventReasons,
  eventually,
  getOrUndefined,
  ownedSecret,
  pool,
  refTo,
  secret,
  secretGone,
  startGcEnv,
} from './helpers.js';

const env = await startGcEnv(t);
const { client, server } = env;
const poolPath = (ns: string, name: string) => `/apis/converge.io/v1alpha1/namespaces/${ns}/pools/${name}`;

async function poolGone(ns: string, name: string): Promise<void> {
  await eventually(async () => (await getOrUndefined(client, poolType, ns, name)) === undefined, `pool ${ns}/${name} gone`, 15_000);
}

t.test('Background (the default): a dependent goes once its owner is deleted', async (t) => {
  const ns = 'bg';
  const owner = await client.create(poolType, pool(ns, 'owner'));
  t.same(owner.metadata.finalizers ?? [], [], 'a plain pool deletes at once, so only the collector can remove its dependents');
  await client.create(secretType, ownedSecret(ns, 'dep', [refTo(owner)]));
  await client.create(secretType, ownedSecret(ns, 'unrelated', []));
  const res = await request(server.url, poolPath(ns, 'owner'), { method: 'DELETE' });
  t.equal(res.status, 200, res.text);
  await secretGone(client, ns, 'dep');
  t.ok(await secret(client, ns, 'unrelated'), 'objects without owners are never touched');
  await eventually(async () => (await eventReasons(client, ns, 'dep')).includes('GarbageCollected'), 'an Event says why it went');
  const metric = await server.metrics.registry.getSingleMetricAsString('converge_gc_deleted_total');
  t.match(metric, /converge_gc_deleted_total\{kind="Secret"\} [1-9]/);
});

t.test('an owner re-created with the same name is a new owner: the old dependents still go', async (t) => {
  const ns = 'recreate';
  const first = await client.create(poolType, pool(ns, 'owner'));
  await client.create(secretType, ownedSecret(ns, 'old-dep', [refTo(first)]));
  await client.delete(poolType, ns, 'owner');
  const second = await client.create(poolType, pool(ns, 'owner'));
  t.not(second.metadata.uid, first.metadata.uid);
  await client.create(secretType, ownedSecret(ns, 'new-dep', [refTo(second)]));
  await secretGone(client, ns, 'old-dep');
  await collectorCaughtUp(client, ns);
  t.ok(await secret(client, ns, 'new-dep'), 'the dependent of the live owner stays');
});

t.test('a dependent with two owners survives while one lives, and goes with the last', async (t) => {
  const ns = 'two-owners';
  const a = await client.create(poolType, pool(ns, 'a'));
  const b = await client.create(poolType, pool(ns, 'b'));
  await client.create(secretType, ownedSecret(ns, 'shared', [refTo(a), refTo(b)]));
  await client.delete(poolType, ns, 'a');
  // As kube's collector: the reference to the dead owner is removed, the live one keeps the object.
  const stripped = await eventually(async () => {
    const s = await secret(client, ns, 'shared');
    return s && (s.metadata.ownerReferences ?? []).length === 1 ? s : undefined;
  }, 'reference to the dead owner removed');
  t.same(stripped.metadata.ownerReferences?.map((r) => r.uid), [b.metadata.uid]);
  await collectorCaughtUp(client, ns);
  t.ok(await secret(client, ns, 'shared'), 'still there while b lives');
  await client.delete(poolType, ns, 'b');
  await secretGone(client, ns, 'shared');
});

const orphanWays = [
  { name: 'query parameter propagationPolicy=Orphan', query: '?propagationPolicy=Orphan', json: undefined },
  { name: 'DeleteOptions body propagationPolicy Orphan', query: '', json: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' } },
  { name: 'query parameter orphanDependents=true', query: '?orphanDependents=true', json: undefined },
  { name: 'DeleteOptions body orphanDependents true', query: '', json: { kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: true } },
];

for (const [i, way] of orphanWays.entries()) {
  t.test(`Orphan by ${way.name}: dependents stay, unowned`, async (t) => {
    const ns = `orphan-${i}`;
    const owner = await client.create(poolType, pool(ns, 'owner'));
    await client.create(secretType, ownedSecret(ns, 'dep', [refTo(owner)]));
    await client.create(secretType, ownedSecret(ns, 'other-owner', [refTo(owner), { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w-uid' }]));
    const res = await request(server.url, poolPath(ns, 'owner') + way.query, { method: 'DELETE', ...(way.json ? { json: way.json } : {}) });
    t.equal(res.status, 202, 'terminating behind the orphan finalizer');
    const meta = res.body['metadata'] as KubeObject['metadata'];
    t.same(meta.finalizers, ['orphan'], 'the finalizer is set with deletionTimestamp');
    t.ok(meta.deletionTimestamp);
    await poolGone(ns, 'owner');
    const dep = await secret(client, ns, 'dep');
    t.ok(dep, 'the dependent is kept');
    t.notOk(dep?.metadata.ownerReferences, 'and no longer names the owner');
    t.same((await secret(client, ns, 'other-owner'))?.metadata.ownerReferences?.map((r) => r.name), ['w'], 'only that owner is removed');
    await collectorCaughtUp(client, ns);
    t.ok(await secret(client, ns, 'dep'), 'and is not collected later');
    await eventually(async () => (await eventReasons(client, ns, 'dep')).includes('Orphaned'), 'an Orphaned Event');
  });
}

t.test('Foreground: the owner waits (foregroundDeletion) until its blocking dependent is gone', async (t) => {
  const ns = 'fg';
  const owner = await client.create(poolType, pool(ns, 'owner'));
  await client.create(secretType, ownedSecret(ns, 'blocker', [refTo(owner, { blockOwnerDeletion: true })], ['test.converge.io/hold']));
  await client.create(secretType, ownedSecret(ns, 'free', [refTo(owner)], ['test.converge.io/hold']));
  const res = await request(server.url, poolPath(ns, 'owner'), { method: 'DELETE', json: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' } });
  t.equal(res.status, 202, res.text);
  t.same((res.body['metadata'] as KubeObject['metadata']).finalizers, ['foregroundDeletion']);
  // Both dependents are deleted (they are terminating behind their own finalizer).
  await eventually(async () => (await secret(client, ns, 'blocker'))?.metadata.deletionTimestamp !== undefined, 'blocker terminating');
  await eventually(async () => (await secret(client, ns, 'free'))?.metadata.deletionTimestamp !== undefined, 'free terminating');
  await collectorCaughtUp(client, ns);
  const waiting = await client.get(poolType, ns, 'owner');
  t.ok(waiting.metadata.deletionTimestamp, 'the owner is still there, terminating');
  t.same(waiting.metadata.finalizers, ['foregroundDeletion'], 'held by foregroundDeletion');
  // The non-blocking dependent does not hold the owner.
  await client.patch(secretType, ns, 'free', { type: 'merge', body: { metadata: { finalizers: null } } });
  await secretGone(client, ns, 'free');
  await collectorCaughtUp(client, ns);
  t.ok(await getOrUndefined(client, poolType, ns, 'owner'), 'a non-blocking dependent going does not release the owner');
  await client.patch(secretType, ns, 'blocker', { type: 'merge', body: { metadata: { finalizers: null } } });
  await secretGone(client, ns, 'blocker');
  await poolGone(ns, 'owner');
});

t.test('Foreground by query parameter on an owner without dependents deletes it', async (t) => {
  const ns = 'fg-query';
  await client.create(poolType, pool(ns, 'lonely'));
  const res = await request(server.url, `${poolPath(ns, 'lonely')}?propagationPolicy=Foreground`, { method: 'DELETE' });
  t.equal(res.status, 202);
  await poolGone(ns, 'lonely');
});

t.test('references the collector cannot resolve are left alone', async (t) => {
  const ns = 'unknown';
  const dead = await client.create(poolType, pool(ns, 'dead'));
  await client.create(secretType, ownedSecret(ns, 'widget-dep', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'no-such-uid' }]));
  // A kind Converge does not serve beside a dead owner: still in doubt, so kept (the dead reference goes).
  await client.create(secretType, ownedSecret(ns, 'mixed', [refTo(dead), { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'no-such-uid' }]));
  await client.delete(poolType, ns, 'dead');
  // kube's rule: a cluster-scoped object cannot have a namespaced owner; the reference is unresolvable.
  const nsOwner = await client.create(poolType, pool(ns, 'ns-owner'));
  await client.create(clusterRoleType, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'gc-test-cluster-dep', ownerReferences: [refTo(nsOwner)] },
    rules: [],
  } as KubeObject);
  await collectorCaughtUp(client, ns);
  t.ok(await secret(client, ns, 'widget-dep'), 'an owner of an unknown kind keeps the dependent');
  t.same((await secret(client, ns, 'mixed'))?.metadata.ownerReferences?.map((r) => r.kind), ['Widget']);
  t.ok(await getOrUndefined(client, clusterRoleType, undefined, 'gc-test-cluster-dep'), 'the cluster-scoped dependent is kept');
  await eventually(async () => (await eventReasons(client, 'default', 'gc-test-cluster-dep')).includes('OwnerRefInvalidNamespace'), 'Warning event');
});

t.test('dry-run delete with a propagation policy changes nothing', async (t) => {
  const ns = 'dry';
  const owner = await client.create(poolType, pool(ns, 'owner'));
  await client.create(secretType, ownedSecret(ns, 'dep', [refTo(owner)]));
  for (const policy of ['Orphan', 'Foreground', 'Background']) {
    const res = await request(server.url, `${poolPath(ns, 'owner')}?dryRun=All&propagationPolicy=${policy}`, { method: 'DELETE' });
    t.ok(res.status === 200 || res.status === 202, `${policy}: ${res.status}`);
  }
  const body = await request(server.url, poolPath(ns, 'owner'), { method: 'DELETE', json: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'], propagationPolicy: 'Orphan' } });
  t.equal(body.status, 202, 'the answer shows what would happen');
  t.same((body.body['metadata'] as KubeObject['metadata']).finalizers, ['orphan']);
  const after = await client.get(poolType, ns, 'owner');
  // (The Pool controller writes status meanwhile, so resourceVersion moves; a delete would bump generation.)
  t.equal(after.metadata.generation, owner.metadata.generation, 'no deletion was written');
  t.notOk(after.metadata.deletionTimestamp);
  t.notOk(after.metadata.finalizers);
  await collectorCaughtUp(client, ns);
  t.same((await secret(client, ns, 'dep'))?.metadata.ownerReferences?.map((r) => r.uid), [owner.metadata.uid]);
});

t.test('bad propagation options are rejected', async (t) => {
  const ns = 'bad-options';
  await client.create(poolType, pool(ns, 'owner'));
  const cases = [
    { name: 'unknown policy in the query', query: '?propagationPolicy=Sideways', json: undefined, field: 'propagationPolicy' },
    { name: 'unknown policy in the body', query: '', json: { kind: 'DeleteOptions', propagationPolicy: 'Sideways' }, field: 'propagationPolicy' },
    { name: 'both in the body', query: '', json: { kind: 'DeleteOptions', propagationPolicy: 'Orphan', orphanDependents: true }, field: 'orphanDependents' },
  ];
  for (const c of cases) {
    const res = await request(server.url, poolPath(ns, 'owner') + c.query, { method: 'DELETE', ...(c.json ? { json: c.json } : {}) });
    t.equal(res.status, 422, c.name);
    t.match(res.body, { kind: 'Status', reason: 'Invalid', details: { causes: [{ field: c.field }] } }, c.name);
  }
  t.ok(await getOrUndefined(client, poolType, ns, 'owner'), 'the owner is untouched');
});

t.test('ownerReferences are validated, naming the field', async (t) => {
  const ns = 'validation';
  const good = { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', name: 'p', uid: 'u1' };
  const cases = [
    { name: 'missing uid', refs: [good, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', name: 'q' }], field: 'metadata.ownerReferences[1].uid', message: /Required value/ },
    { name: 'empty name', refs: [{ ...good, name: '' }], field: 'metadata.ownerReferences[0].name', message: /Required value/ },
    { name: 'missing apiVersion and kind', refs: [{ name: 'p', uid: 'u1' }], field: 'metadata.ownerReferences[0].apiVersion', message: /Required value/ },
    {
      name: 'two controllers',
      refs: [{ ...good, controller: true }, { ...good, name: 'q', uid: 'u2', controller: true }],
      field: 'metadata.ownerReferences',
      message: /only one reference can have controller set to true/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const res = await request(server.url, `/api/v1/namespaces/${ns}/secrets`, {
      method: 'POST',
      json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, ownerReferences: c.refs } },
    });
    t.equal(res.status, 422, c.name);
    const causes = ((res.body['details'] as { causes?: { field: string; message: string }[] } | undefined)?.causes ?? []);
    const cause = causes.find((x) => x.field === c.field);
    t.ok(cause, `${c.name}: a cause names ${c.field} (got ${JSON.stringify(causes)})`);
    t.match(cause?.message ?? '', c.message, c.name);
  }
});
