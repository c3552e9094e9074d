import t from 'tap';
import { instanceType, networkType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { describeUsers, unusableReason } from '../../src/managed/index.js';
import { SimKind, SimOperation } from '../../src/providers/sim/index.js';
import { conditionOf, eventually, getOrUndefined, manifests, poke, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const usingBoth = (name: string, volume = 'data-1', network = 'lan') =>
  manifests.instance(name, { volumes: [{ volumeRef: { name: volume } }], networks: [{ networkRef: { name: network } }] });

/** Calls the instance driver made to the simulated cloud, of any operation. */
function instanceCalls(env: ManagedEnv): number {
  let n = 0;
  for (const [id, count] of env.clouds.get('default').calls) if (id.endsWith(':Instance')) n += count;
  return n;
}

async function conditionMatching(env: ManagedEnv, type: ResourceType, name: string, condition: string, test: (c: { status: string; reason?: string; message?: string }) => boolean): Promise<KubeObject> {
  return eventually(async () => {
    const o = await getOrUndefined(env.client, type, 'default', name);
    const c = o === undefined ? undefined : conditionOf(o, condition);
    return o !== undefined && c !== undefined && test(c) ? o : undefined;
  }, `${type.kind} ${name} ${condition} condition`);
}

t.test('an Instance waits for its Volume and Network without calling the driver, then is created', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(instanceType, usingBoth('web-1'));
  const waiting = await conditionMatching(env, instanceType, 'web-1', 'Synced', (c) => c.reason === 'WaitingForDependency');
  t.match(conditionOf(waiting, 'Synced'), {
    status: 'False',
    message: 'waiting for Volume default/data-1: not found; waiting for Network default/lan: not found',
  });
  t.match(conditionOf(waiting, 'Ready'), { status: 'False', reason: 'WaitingForDependency', message: /Volume default\/data-1: not found/ });
  t.ok(waiting.metadata.finalizers?.includes('converge.io/finalizer'), 'the finalizer is there before anything is created');

  // The Volume fails to create for a while (Ready=False Creating); the Network is ObserveOnly (Ready=False Unavailable).
  clouds.get('default').failNext({ operation: SimOperation.Create, kind: SimKind.Volume, count: 20, message: 'simulated outage' });
  await client.create(volumeType, manifests.volume('data-1'));
  await client.create(networkType, manifests.network('lan', { managementPolicy: 'ObserveOnly' }));
  const blocked = await conditionMatching(
    env,
    instanceType,
    'web-1',
    'Synced',
    (c) => /Volume default\/data-1: Ready=False \(Creating: /.test(c.message ?? '') && /Network default\/lan: Ready=False \(Unavailable: /.test(c.message ?? ''),
  );
  t.match(conditionOf(blocked, 'Synced')?.message, /^waiting for Volume default\/data-1: Ready=False \(Creating: creating cv-[0-9a-f]+ in the simulated cloud\); waiting for Network default\/lan: Ready=False \(Unavailable: external resource cn-[0-9a-f]+ does not exist; managementPolicy ObserveOnly never creates it\)$/);
  t.equal(instanceCalls(env), 0, 'no observe or create of the instance while it waits');
  t.same(await env.journal.list('Instance', 'default', 'web-1'), [], 'nothing journaled for the waiting instance');
  t.notOk(blocked.status?.['lastOperation'], 'no operation recorded');

  await waitReady(client, volumeType, 'data-1');
  const stillWaiting = await conditionMatching(env, instanceType, 'web-1', 'Synced', (c) => /^waiting for Network default\/lan: Ready=False/.test(c.message ?? ''));
  t.notMatch(conditionOf(stillWaiting, 'Synced')?.message, /Volume/, 'a Ready volume is no longer named');
  t.equal(instanceCalls(env), 0);

  await client.patch(networkType, 'default', 'lan', { type: 'merge', body: { spec: { managementPolicy: 'Full' } } });
  const inst = await waitReady(client, instanceType, 'web-1');
  t.equal(conditionOf(inst, 'Ready')?.reason, 'Available');
  t.equal(clouds.get('default').calls.get('create:Instance'), 1, 'created once, after both were Ready');
  t.match(inst.status, { addresses: ['10.20.0.128'], powerState: 'Running' });
});

t.test('once created, an Instance is not held back by a dependency that stops being Ready', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(volumeType, manifests.volume('data-1', { driftPolicy: 'Report' }));
  await client.create(networkType, manifests.network('lan'));
  await client.create(instanceType, usingBoth('web-1'));
  const inst = await waitReady(client, instanceType, 'web-1');
  const vol = await waitReady(client, volumeType, 'data-1');
  t.ok(clouds.get('default').remove(SimKind.Volume, String(vol.status?.['externalName'])), 'volume deleted out of band');
  await poke(client, volumeType, 'data-1');
  await conditionMatching(env, volumeType, 'data-1', 'Ready', (c) => c.status === 'False');

  // A spec change is still applied: updates never wait for dependencies.
  await client.patch(instanceType, 'default', 'web-1', { type: 'merge', body: { spec: { vcpus: 4 } } });
  const updated = await eventually(async () => {
    const o = await waitReady(client, instanceType, 'web-1');
    return o.metadata.generation === 2 ? o : undefined;
  }, 'instance generation 2 Ready');
  t.equal(conditionOf(updated, 'Synced')?.reason, 'ReconcileSuccess');
  t.match(clouds.get('default').peek(SimKind.Instance, String(inst.status?.['externalName'])), { vcpus: 4 }, 'update reached the instance');
});

t.test('a Volume and a Network in use are not deleted until the Instance is gone, deleting or not', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const cloud = clouds.get('default');
  await client.create(volumeType, manifests.volume('data-1'));
  await client.create(networkType, manifests.network('lan'));
  // A second finalizer keeps the Instance around, deleting, after its own controller has let go.
  await client.create(instanceType, { ...usingBoth('web-1'), metadata: { name: 'web-1', namespace: 'default', finalizers: ['test/hold'] } });
  await waitReady(client, instanceType, 'web-1');
  const volName = String((await waitReady(client, volumeType, 'data-1')).status?.['externalName']);
  const netName = String((await waitReady(client, networkType, 'lan')).status?.['externalName']);

  await client.delete(volumeType, 'default', 'data-1');
  await client.delete(networkType, 'default', 'lan');
  for (const type of [volumeType, networkType]) {
    const name = type === volumeType ? 'data-1' : 'lan';
    const held = await conditionMatching(env, type, name, 'Ready', (c) => c.reason === 'Deleting');
    t.equal(conditionOf(held, 'Ready')?.message, 'in use by Instance default/web-1; waiting for it to be deleted', `${type.kind} names its user`);
    t.equal(conditionOf(held, 'Ready')?.status, 'False');
    t.ok(held.metadata.finalizers?.includes('converge.io/finalizer'), `${type.kind} keeps its finalizer`);
  }
  t.ok(cloud.peek(SimKind.Volume, volName), 'the simulated volume is still there');
  t.ok(cloud.peek(SimKind.Network, netName), 'the simulated network is still there');

  await client.delete(instanceType, 'default', 'web-1');
  // The instance's external resource goes, but the object stays (test/hold): it is still a user.
  await eventually(async () => cloud.names(SimKind.Instance).length === 0, 'simulated instance deleted');
  const deletingUser = await client.get(instanceType, 'default', 'web-1');
  t.same(deletingUser.metadata.finalizers, ['test/hold']);
  await poke(client, volumeType, 'data-1');
  await new Promise((r) => setTimeout(r, 200));
  t.equal(conditionOf(await client.get(volumeType, 'default', 'data-1'), 'Ready')?.message, 'in use by Instance default/web-1; waiting for it to be deleted');
  t.ok(cloud.peek(SimKind.Volume, volName), 'still there while the deleting instance exists');
  t.equal(cloud.calls.get('delete:Volume') ?? 0, 0);
  t.equal(cloud.calls.get('delete:Network') ?? 0, 0);

  await client.patch(instanceType, 'default', 'web-1', { type: 'merge', body: { metadata: { finalizers: [] } } });
  await eventually(async () => (await getOrUndefined(client, volumeType, 'default', 'data-1')) === undefined, 'volume gone');
  await eventually(async () => (await getOrUndefined(client, networkType, 'default', 'lan')) === undefined, 'network gone');
  t.equal(cloud.peek(SimKind.Volume, volName), undefined, 'simulated volume deleted');
  t.equal(cloud.peek(SimKind.Network, netName), undefined, 'simulated network deleted');
});

t.test('Orphan and NoDelete do not wait for users: the external resource stays, the object goes', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const cases = [
    { volume: 'kept-orphan', spec: { deletionPolicy: 'Orphan' } },
    { volume: 'kept-nodelete', spec: { managementPolicy: 'NoDelete' } },
  ];
  await client.create(networkType, manifests.network('lan'));
  for (const c of cases) {
    await client.create(volumeType, manifests.volume(c.volume, c.spec));
    await client.create(instanceType, usingBoth(`user-of-${c.volume}`, c.volume));
  }
  for (const c of cases) {
    await waitReady(client, instanceType, `user-of-${c.volume}`);
    const external = String((await waitReady(client, volumeType, c.volume)).status?.['externalName']);
    await client.delete(volumeType, 'default', c.volume);
    await eventually(async () => (await getOrUndefined(client, volumeType, 'default', c.volume)) === undefined, `${c.volume} gone`);
    t.ok(clouds.get('default').peek(SimKind.Volume, external), `${c.volume}: external volume kept`);
    await poke(client, instanceType, `user-of-${c.volume}`);
    const inst = await waitReady(client, instanceType, `user-of-${c.volume}`);
    t.equal(conditionOf(inst, 'Ready')?.status, 'True', `${c.volume}: the instance is unaffected`);
  }
});

t.test('readiness of a dependency and the in-use message', async (t) => {
  const base = (status: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject =>
    ({ apiVersion: 'converge.io/v1alpha1', kind: 'Volume', metadata: { name: 'v', namespace: 'default', generation: 2, ...meta }, status }) as KubeObject;
  const cases: [string, KubeObject | undefined, string | undefined][] = [
    ['missing', undefined, 'not found'],
    ['deleting', base({}, { deletionTimestamp: '2026-01-01T00:00:00Z' }), 'being deleted'],
    ['no conditions', base({}), 'not Ready yet (no Ready condition)'],
    ['not ready', base({ conditions: [{ type: 'Ready', status: 'False', reason: 'Creating', message: 'creating cv-1', observedGeneration: 2 }] }), 'Ready=False (Creating: creating cv-1)'],
    ['stale', base({ conditions: [{ type: 'Ready', status: 'True', reason: 'Available', observedGeneration: 1 }] }), 'Ready=True is for generation 1, not the current 2'],
    ['ready', base({ conditions: [{ type: 'Ready', status: 'True', reason: 'Available', observedGeneration: 2 }] }), undefined],
  ];
  for (const [name, obj, want] of cases) t.equal(unusableReason(obj), want, name);
  const ref = (name: string) => ({ type: instanceType, namespace: 'default', name });
  t.equal(describeUsers([ref('a'), ref('b')]), 'in use by Instance default/a, Instance default/b; waiting for them to be deleted');
  t.match(describeUsers(Array.from({ length: 12 }, (_, i) => ref(`i${i}`))), /Instance default\/i9 and 2 more; waiting for them/);
});
