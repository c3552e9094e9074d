import t from 'tap';
import { bucketType, instanceType, networkType, volumeType } from '../../schemas/index.js';
import { SimKind } from '../../src/providers/sim/index.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady } from './helpers.js';

t.test('an Instance with a Volume and a Network, and a Bucket, become Ready on the simulated cloud', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(instanceType, manifests.instance('web', { volumes: [{ volumeRef: { name: 'root' } }], networks: [{ networkRef: { name: 'lan' } }] }));
  await client.create(volumeType, manifests.volume('root'));
  await client.create(networkType, manifests.network('lan'));
  await client.create(bucketType, manifests.bucket('assets'));

  const net = await waitReady(client, networkType, 'lan');
  t.match(net.status, { cidr: '10.20.0.0/24', gateway: '10.20.0.1', externalName: /^cn-[0-9a-f]{12}$/ });
  t.equal(conditionOf(net, 'Ready')?.observedGeneration, net.metadata.generation);
  t.match(conditionOf(net, 'Ready')?.message, /simulated cloud/);
  t.ok(net.metadata.finalizers?.includes('converge.io/finalizer'));

  const inst = await waitReady(client, instanceType, 'web');
  t.match(inst.status, { powerState: 'Running', phase: 'Running', addresses: ['10.20.0.128'], hostId: 'sim-host-1' });
  t.equal(conditionOf(inst, 'Drifted')?.status, 'False');
  t.same(env.clouds.get('default').names(SimKind.Instance), [inst.status?.['externalName']]);

  const vol = await eventually(async () => {
    const v = await waitReady(client, volumeType, 'root');
    return v.status?.['attachedTo'] === 'web' ? v : undefined;
  }, 'volume attached');
  t.match(vol.status, { capacityBytes: 10 * 1024 ** 3, path: /^\/sim\/pools\/default\/cv-/ });

  const bkt = await waitReady(client, bucketType, 'assets');
  t.match(bkt.status, { endpoint: /^sim:\/\/buckets\/cb-/, region: 'sim-1' });

  const journal = (await env.journal.list('Instance', 'default', 'web'));
  t.ok(journal.some((e) => e.action === 'Create' && e.result === 'Succeeded'), 'create journaled');
});

t.test('a spec change (vcpus) is applied to the simulated instance', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(instanceType, manifests.instance('app'));
  const before = await waitReady(client, instanceType, 'app');
  const name = String(before.status?.['externalName']);
  await client.patch(instanceType, 'default', 'app', { type: 'merge', body: { spec: { vcpus: 6, runStrategy: 'Halted' } } });
  const after = await eventually(async () => {
    const o = await waitReady(client, instanceType, 'app');
    return o.metadata.generation === 2 ? o : undefined;
  }, 'generation 2 ready');
  t.match(env.clouds.get('default').peek(SimKind.Instance, name), { vcpus: 6, powerState: 'Stopped' });
  t.equal(after.status?.['powerState'], 'Stopped');
  t.equal(conditionOf(after, 'Drifted')?.status, 'False', 'a spec change is not drift');
  t.ok(env.events.some((e) => e.name === 'app' && e.reason === 'Updated'));
});

t.test('deletion policies', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  const cases = [
    { name: 'del', spec: {}, kept: false },
    { name: 'orphan', spec: { deletionPolicy: 'Orphan' }, kept: true },
    { name: 'nodelete', spec: { managementPolicy: 'NoDelete' }, kept: true },
  ];
  for (const c of cases) {
    await client.create(bucketType, manifests.bucket(c.name, c.spec));
    const obj = await waitReady(client, bucketType, c.name);
    const external = String(obj.status?.['externalName']);
    await client.delete(bucketType, 'default', c.name);
    await eventually(async () => (await getOrUndefined(client, bucketType, 'default', c.name)) === undefined, `${c.name} gone`);
    t.equal(clouds.get('default').peek(SimKind.Bucket, external) !== undefined, c.kept, `${c.name}: external kept = ${c.kept}`);
  }
});

t.test('ObserveOnly never creates; it reports what exists', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(volumeType, manifests.volume('watched', { managementPolicy: 'ObserveOnly' }));
  const obj = await eventually(async () => {
    const o = await client.get(volumeType, 'default', 'watched');
    return conditionOf(o, 'Synced')?.status === 'True' ? o : undefined;
  }, 'synced');
  t.equal(conditionOf(obj, 'Ready')?.status, 'False');
  t.match(conditionOf(obj, 'Ready')?.message, /ObserveOnly never creates/);
  t.same(clouds.get('default').names(SimKind.Volume), []);
  t.equal(clouds.get('default').calls.get('create:Volume') ?? 0, 0);
});
