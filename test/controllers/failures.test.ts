import t from 'tap';
import { bucketType, instanceType, networkType, providerConfigType, volumeType } from '../../schemas/index.js';
import { SimKind, SimOperation } from '../../src/providers/sim/index.js';
import { derivedExternalName } from '../../src/providers/types.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady } from './helpers.js';

const pc = (name: string, driver = 'sim') => ({ apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name }, spec: { driver } });

t.test('a missing ProviderConfig is named in Synced=False; creating it lets the object converge', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(networkType, manifests.network('orphaned', { providerRef: { name: 'elsewhere' } }));
  const failing = await eventually(async () => {
    const o = await client.get(networkType, 'default', 'orphaned');
    return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
  }, 'Synced=False');
  t.equal(conditionOf(failing, 'Synced')?.message, 'ProviderConfig "elsewhere" not found');
  t.equal(conditionOf(failing, 'Synced')?.reason, 'ReconcileError');
  await client.create(providerConfigType, pc('elsewhere'));
  await waitReady(client, networkType, 'orphaned');
  t.same(env.clouds.get('elsewhere').names(SimKind.Network).length, 1, 'created in that provider\'s cloud');
});

t.test('a driver that is not built yet fails terminally with a clear message', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(providerConfigType, pc('pve', 'proxmox'));
  await client.create(volumeType, manifests.volume('disk', { providerRef: { name: 'pve' } }));
  const failing = await eventually(async () => {
    const o = await client.get(volumeType, 'default', 'disk');
    return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
  }, 'Synced=False');
  t.equal(conditionOf(failing, 'Synced')?.message, 'driver proxmox is not available yet');
  await client.delete(volumeType, 'default', 'disk');
  await eventually(async () => (await getOrUndefined(client, volumeType, 'default', 'disk')) === undefined, 'deletable: nothing was ever created');
});

t.test('injected create failures are retried with backoff, then Ready', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  clouds.get('default').failNext({ operation: SimOperation.Create, kind: SimKind.Bucket, count: 3, message: 'simulated outage' });
  await client.create(bucketType, manifests.bucket('flaky'));
  const obj = await waitReady(client, bucketType, 'flaky');
  t.equal(clouds.get('default').calls.get('create:Bucket'), 4, 'three failures, then success');
  t.same(clouds.get('default').names(SimKind.Bucket), [obj.status?.['externalName']]);
  t.match(obj.status?.['lastOperation'], { action: 'Create', state: 'Succeeded', handle: obj.status?.['externalName'] });
  const journal = (await env.journal.list('Bucket', 'default', 'flaky'));
  t.same(journal.map((e) => e.result), ['Failed', 'Failed', 'Failed', 'Succeeded']);
  t.equal(journal[0]?.message, 'simulated outage');
  t.equal(env.events.filter((e) => e.name === 'flaky' && e.reason === 'CreateFailed').length, 3);
});

t.test('a create whose response was lost is adopted on retry, not duplicated', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  clouds.get('default').failNext({ operation: SimOperation.Create, kind: SimKind.Volume, when: 'after', message: 'connection reset' });
  await client.create(volumeType, manifests.volume('lost'));
  const obj = await waitReady(client, volumeType, 'lost');
  t.equal(clouds.get('default').calls.get('create:Volume'), 1, 'no second create: observe found it');
  t.same(clouds.get('default').names(SimKind.Volume), [obj.status?.['externalName']]);
});

t.test('after a crash between intent and status write, the retried reconcile adopts the resource', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  // Park the object on a provider that does not exist yet, so nothing reconciles it while we stage the crash.
  const created = await client.create(instanceType, manifests.instance('crashed', { providerRef: { name: 'late' } }));
  const name = derivedExternalName('ci', created.metadata.uid ?? '');
  await eventually(async () => {
    const o = await client.get(instanceType, 'default', 'crashed');
    return conditionOf(o, 'Synced')?.status === 'False' ? o : undefined;
  }, 'parked');
  // What a crashed controller leaves: the intent in status, the resource in the cloud, no externalName.
  const parked = await client.get(instanceType, 'default', 'crashed');
  await client.update(
    instanceType,
    { ...parked, status: { ...parked.status, lastOperation: { action: 'Create', handle: name, state: 'Pending', startedAt: '2026-01-01T00:00:00Z' } } },
    { subresource: 'status' },
  );
  await clouds.get('late').create(SimKind.Instance, name, { vcpus: 2, memoryMiB: 1024, image: 'debian-12', powerState: 'Running', hostId: 'sim-host-1', addresses: [] });
  const createsBefore = clouds.get('late').calls.get('create:Instance');
  await client.create(providerConfigType, pc('late'));
  const obj = await waitReady(client, instanceType, 'crashed');
  t.equal(obj.status?.['externalName'], name);
  t.equal(clouds.get('late').calls.get('create:Instance'), createsBefore, 'no create call after the restart');
  t.same(clouds.get('late').names(SimKind.Instance), [name], 'exactly one instance in the sim');
});

t.test('a paused object is left alone', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const paused = manifests.bucket('frozen');
  paused.metadata.annotations = { 'converge.io/paused': 'true' };
  await client.create(bucketType, paused);
  await client.create(bucketType, manifests.bucket('thawed'));
  await waitReady(client, bucketType, 'thawed');
  const obj = await client.get(bucketType, 'default', 'frozen');
  t.equal(obj.status?.['conditions'], undefined);
  t.equal(obj.metadata.finalizers, undefined);
  t.equal(clouds.get('default').names(SimKind.Bucket).length, 1);
});
