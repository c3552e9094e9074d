import t from 'tap';
import { ipAllocationType, networkType, poolType } from '../../schemas/index.js';
import { conditionOf, eventually, getOrUndefined, startEnv, waitReady } from './helpers.js';

const pool = (name: string, cidrs: string[]) => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Pool',
  metadata: { name, namespace: 'default' },
  spec: { cidrs },
});
const pooledNetwork = (name: string, poolName: string, prefixLength: number) => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Network',
  metadata: { name, namespace: 'default' },
  spec: { providerRef: { name: 'default' }, poolRef: { name: poolName }, prefixLength },
});

t.test('Networks with poolRef get distinct prefixes from IPAM; deleting one releases its prefix', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, pool('lab', ['10.50.0.0/23']));
  await client.create(networkType, pooledNetwork('a', 'lab', 24));
  await client.create(networkType, pooledNetwork('b', 'lab', 24));
  const a = await waitReady(client, networkType, 'a');
  const b = await waitReady(client, networkType, 'b');
  const cidrs = [a.status?.['cidr'], b.status?.['cidr']].sort();
  t.same(cidrs, ['10.50.0.0/24', '10.50.1.0/24'], 'two non-overlapping /24s out of the /23');
  const allocations = (await client.list(ipAllocationType, { namespace: 'default' })).items;
  t.equal(allocations.length, 2, 'one IPAllocation object per network');

  await client.create(networkType, pooledNetwork('c', 'lab', 24));
  const c = await eventually(async () => {
    const obj = await getOrUndefined(client, networkType, 'default', 'c');
    return obj && conditionOf(obj, 'Synced')?.status === 'False' ? obj : undefined;
  }, 'network c to report the exhausted pool');
  t.match(conditionOf(c, 'Synced')?.message, /pool "lab" has no free \/24 left/);

  await client.delete(networkType, 'default', 'a');
  await eventually(async () => ((await getOrUndefined(client, networkType, 'default', 'a')) === undefined ? true : undefined), 'network a gone');
  const freed = await waitReady(client, networkType, 'c', 'default');
  t.equal(freed.status?.['cidr'], a.status?.['cidr'], 'the released prefix went to the waiting network');
});

t.test('a Network naming a missing Pool says so', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await env.client.create(networkType, pooledNetwork('lost', 'nowhere', 24));
  const lost = await eventually(async () => {
    const obj = await getOrUndefined(env.client, networkType, 'default', 'lost');
    return obj && conditionOf(obj, 'Synced')?.status === 'False' ? obj : undefined;
  }, 'Synced=False');
  t.match(conditionOf(lost, 'Synced')?.message, /Pool "nowhere" not found/);
});
