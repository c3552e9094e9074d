/**
 * deletionPolicy: Orphan and the garbage collector, through a real server: an Instance (or pool-backed
 * Network) deleted with its machine (network) left running keeps its IPAllocation — the controller removes
 * its ownerReference before letting the object go, so the collector sees nothing to collect — while with
 * deletionPolicy Delete the allocation is released with the object, and an Instance removed behind its
 * controller's back (paused, finalizer stripped) has its leftover allocation collected.
 */
import t from 'tap';
import { instanceType, ipAllocationType, networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../../src/client/types.js';
import { SimKind } from '../../src/providers/sim/index.js';
import { manifests, waitReady } from '../controllers/helpers.js';
import { collectorCaughtUp, eventually, getOrUndefined, startGcEnv } from './helpers.js';

const env = await startGcEnv(t);
const { client, server } = env;
const ns = 'default';

await client.create(poolType, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name: 'addrs', namespace: ns }, spec: { cidrs: ['10.0.1.4/30'] } });
await client.create(poolType, { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name: 'nets', namespace: ns }, spec: { cidrs: ['10.60.0.0/22'] } });
await client.create(networkType, manifests.network('app', { cidr: '10.0.1.0/24' }));
await waitReady(client, networkType, 'app');

/** The IPAllocations whose `spec.owner.uid` is `uid`. */
async function allocationsOf(c: ApiClient, uid: string): Promise<KubeObject[]> {
  const { items } = await c.list(ipAllocationType, { namespace: ns });
  return items.filter((a) => (a.spec?.['owner'] as { uid?: string } | undefined)?.uid === uid);
}

async function gone(type: ResourceType, name: string): Promise<void> {
  await eventually(async () => (await getOrUndefined(client, type, ns, name)) === undefined, `${type.kind} ${name} gone`, 20_000);
}

const pooled = (name: string, deletionPolicy: string) =>
  manifests.instance(name, { networks: [{ networkRef: { name: 'app' }, poolRef: { name: 'addrs' } }], deletionPolicy });

t.test('Instance with deletionPolicy Orphan: its address outlives it, unowned', async (t) => {
  const created = await client.create(instanceType, pooled('kept', 'Orphan'));
  await waitReady(client, instanceType, 'kept');
  const [allocation] = await allocationsOf(client, created.metadata.uid ?? '');
  t.same(allocation?.metadata.ownerReferences?.map((r) => r.uid), [created.metadata.uid], 'owned by the Instance while it lives');
  await client.delete(instanceType, ns, 'kept');
  await gone(instanceType, 'kept');
  await collectorCaughtUp(client, ns);
  const after = await allocationsOf(client, created.metadata.uid ?? '');
  t.equal(after.length, 1, 'the address is still allocated: the orphaned machine keeps using it');
  t.notOk(after[0]?.metadata.ownerReferences, 'and it shows as unowned');
  t.equal(server.clouds.get('default').names(SimKind.Instance).length, 1, 'the machine is left running');
});

t.test('Instance with deletionPolicy Delete: its address is released with it', async (t) => {
  const created = await client.create(instanceType, pooled('released', 'Delete'));
  await waitReady(client, instanceType, 'released');
  t.equal((await allocationsOf(client, created.metadata.uid ?? '')).length, 1);
  await client.delete(instanceType, ns, 'released');
  await gone(instanceType, 'released');
  await eventually(async () => (await allocationsOf(client, created.metadata.uid ?? '')).length === 0, 'address released');
});

t.test('pool-backed Network with deletionPolicy Orphan: its prefix outlives it, unowned', async (t) => {
  const created = await client.create(networkType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Network',
    metadata: { name: 'kept-net', namespace: ns },
    spec: { providerRef: { name: 'default' }, poolRef: { name: 'nets' }, prefixLength: 24, deletionPolicy: 'Orphan' },
  });
  await waitReady(client, networkType, 'kept-net');
  t.equal((await allocationsOf(client, created.metadata.uid ?? '')).length, 1);
  await client.delete(networkType, ns, 'kept-net');
  await gone(networkType, 'kept-net');
  await collectorCaughtUp(client, ns);
  const after = await allocationsOf(client, created.metadata.uid ?? '');
  t.equal(after.length, 1, 'the prefix of the network left running stays allocated');
  t.notOk(after[0]?.metadata.ownerReferences, 'and unowned');
});

t.test('an Instance removed behind its controller\'s back: the collector releases its address', async (t) => {
  const created = await client.create(instanceType, pooled('forced', 'Delete'));
  await waitReady(client, instanceType, 'forced');
  t.equal((await allocationsOf(client, created.metadata.uid ?? '')).length, 1);
  // Paused, then its finalizer removed by hand: the controller never runs its deletion path.
  await client.patch(instanceType, ns, 'forced', { type: 'merge', body: { metadata: { annotations: { 'converge.io/paused': 'true' } } } });
  await client.patch(instanceType, ns, 'forced', { type: 'merge', body: { metadata: { finalizers: null } } });
  await client.delete(instanceType, ns, 'forced');
  await gone(instanceType, 'forced');
  await eventually(async () => (await allocationsOf(client, created.metadata.uid ?? '')).length === 0, 'leftover allocation collected');
});
