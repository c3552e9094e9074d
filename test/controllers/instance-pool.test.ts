/**
 * Instance interfaces that take their address from a Pool, end to end through the real controllers and the
 * simulated cloud. What a user writes:
 *
 *   kind: Pool      metadata: {name: app-addrs}  spec: {cidrs: [10.0.1.4/30]}
 *   kind: Network   metadata: {name: app}        spec: {providerRef: {name: default}, cidr: 10.0.1.0/24}
 *   kind: Instance  metadata: {name: a}          spec: {..., networks: [{networkRef: {name: app}, poolRef: {name: app-addrs}}]}
 */
import t, { type Test } from 'tap';
import { ipAllocationType, instanceType, networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { SimKind } from '../../src/providers/sim/index.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const POOL = 'app-addrs';
/** Four addresses, none of them the network, gateway or broadcast address of the /24. */
const POOL_CIDR = '10.0.1.4/30';
const POOL_ADDRESSES = ['10.0.1.4', '10.0.1.5', '10.0.1.6', '10.0.1.7'];

const pool = (name: string, cidrs: string[]): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Pool',
  metadata: { name, namespace: 'default' },
  spec: { cidrs },
});
const pooledInstance = (name: string, poolName = POOL, extra: Record<string, unknown> = {}) =>
  manifests.instance(name, { networks: [{ networkRef: { name: 'app' }, poolRef: { name: poolName } }], ...extra });

/** Address allocations by owner name. */
async function allocationsByOwner(client: ApiClient): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const a of (await client.list(ipAllocationType, { namespace: 'default' })).items) {
    const owner = a.spec?.['owner'];
    const name = owner !== null && typeof owner === 'object' && !Array.isArray(owner) ? String(owner['name']) : '?';
    out.set(name, [...(out.get(name) ?? []), String(a.spec?.['cidr'])]);
  }
  return out;
}

async function syncedFalse(client: ApiClient, name: string, pattern: RegExp): Promise<KubeObject> {
  return eventually(async () => {
    const obj = await getOrUndefined(client, instanceType, 'default', name);
    return obj && conditionOf(obj, 'Synced')?.status === 'False' && pattern.test(conditionOf(obj, 'Synced')?.message ?? '') ? obj : undefined;
  }, `instance ${name} Synced=False matching ${pattern}`);
}

async function gone(client: ApiClient, name: string): Promise<void> {
  await eventually(async () => (await getOrUndefined(client, instanceType, 'default', name)) === undefined, `instance ${name} gone`);
}

async function setup(t: Test): Promise<ManagedEnv> {
  const env = await startEnv();
  t.teardown(() => env.close());
  await env.client.create(poolType, pool(POOL, [POOL_CIDR]));
  await env.client.create(networkType, manifests.network('app', { cidr: '10.0.1.0/24' }));
  await waitReady(env.client, networkType, 'app');
  return env;
}

t.test('pool-backed NICs get distinct addresses from the pool; exhaustion, release and crash retry', async (t) => {
  const env = await setup(t);
  const { client } = env;
  const cloud = env.clouds.get('default');

  // c's first create fails after its address is allocated (as if the process died between the two): the
  // retry must reuse that address, not take a second one.
  cloud.failNext({ operation: 'create', kind: SimKind.Instance, when: 'before' });
  await client.create(instanceType, pooledInstance('c'));
  await waitReady(client, instanceType, 'c');
  t.equal(cloud.calls.get('create:Instance'), 2, "c's create failed once, then succeeded");
  for (const name of ['a', 'b']) await client.create(instanceType, pooledInstance(name));
  const ready = await Promise.all(['a', 'b', 'c'].map((n) => waitReady(client, instanceType, n)));
  const addresses = ready.map((i) => (i.status?.['addresses'] as string[] | undefined)?.[0]);
  t.equal(new Set(addresses).size, 3, 'three distinct addresses');
  for (const address of addresses) t.ok(POOL_ADDRESSES.includes(String(address)), `${String(address)} is inside ${POOL_CIDR}`);
  t.equal(cloud.calls.get('create:Instance'), 4, 'three creates plus the one that failed');

  const byOwner = await allocationsByOwner(client);
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    t.same(byOwner.get(name), [`${String(addresses[i])}/32`], `exactly one IPAllocation for ${name}'s NIC, the address it reports`);
  }
  const allocation = (await client.list(ipAllocationType, { namespace: 'default' })).items.find((a) => (a.spec?.['owner'] as { name?: string }).name === 'a');
  t.match(allocation?.metadata.ownerReferences, [{ kind: 'Instance', name: 'a', uid: ready[0]?.metadata.uid }], 'owned by the Instance');
  t.equal(allocation?.spec?.['purpose'], 'address');

  await client.create(instanceType, pooledInstance('d'));
  await waitReady(client, instanceType, 'd');
  const full = await eventually(async () => {
    const p = await client.get(poolType, 'default', POOL);
    return p.status?.['allocations'] === 4 ? p : undefined;
  }, 'the pool to count four allocations');
  t.equal(full.status?.['utilisationPercent'], 100, 'the pool is full');

  const creates = cloud.calls.get('create:Instance');
  await client.create(instanceType, pooledInstance('e'));
  const waiting = await syncedFalse(client, 'e', /no free address/);
  t.match(
    conditionOf(waiting, 'Synced')?.message,
    /^spec\.networks\[0\]\.poolRef: pool "app-addrs" has no free address left in 10\.0\.1\.0\/24 \(10\.0\.1\.4\/30: 4 of 4 addresses allocated\)/,
  );
  t.equal(cloud.calls.get('create:Instance'), creates, 'nothing is created for the instance without an address');
  t.notOk((await allocationsByOwner(client)).has('e'), 'and it holds no allocation');

  const freed = addresses[1];
  await client.delete(instanceType, 'default', 'b');
  await gone(client, 'b');
  t.notOk((await allocationsByOwner(client)).has('b'), "b's allocation is released with it");
  const e = await waitReady(client, instanceType, 'e');
  t.same(e.status?.['addresses'], [freed], 'the waiting instance gets the freed address');
  t.same((await allocationsByOwner(client)).get('e'), [`${String(freed)}/32`]);
});

t.test('a NIC that stops naming the pool gives its address back', async (t) => {
  const env = await setup(t);
  const { client } = env;
  await client.create(instanceType, pooledInstance('a'));
  const a = await waitReady(client, instanceType, 'a');
  t.same((await allocationsByOwner(client)).get('a'), [`${String((a.status?.['addresses'] as string[])[0])}/32`]);
  await client.patch(instanceType, 'default', 'a', {
    type: 'merge',
    body: { spec: { networks: [{ networkRef: { name: 'app' }, address: '10.0.1.100' }] } },
  });
  await eventually(async () => !(await allocationsByOwner(client)).has('a'), 'the allocation released');
  await waitReady(client, instanceType, 'a');
  t.notOk((await allocationsByOwner(client)).has('a'), 'still released once in sync');
});

t.test('deleting with deletionPolicy Orphan keeps the address of the machine left running', async (t) => {
  const env = await setup(t);
  const { client } = env;
  await client.create(instanceType, pooledInstance('kept', POOL, { deletionPolicy: 'Orphan' }));
  await waitReady(client, instanceType, 'kept');
  await client.delete(instanceType, 'default', 'kept');
  await gone(client, 'kept');
  t.equal(env.clouds.get('default').names(SimKind.Instance).length, 1, 'the machine is left running');
  t.equal((await allocationsByOwner(client)).get('kept')?.length, 1, 'so its address is not handed out again');
});

const failures = [
  {
    name: 'missing pool',
    instance: () => pooledInstance('lost', 'nowhere'),
    message: /^spec\.networks\[0\]\.poolRef: pool "nowhere" not found in namespace "default"/,
  },
  {
    name: 'pool outside the network',
    instance: () => pooledInstance('far', 'elsewhere'),
    message: /^spec\.networks\[0\]\.poolRef: Invalid value: "10\.0\.1\.0\/24": network is outside pool "elsewhere" \(192\.168\.9\.0\/29\)/,
  },
  {
    name: 'two NICs on one network from one pool',
    instance: () =>
      manifests.instance('twice', {
        networks: [
          { networkRef: { name: 'app' }, poolRef: { name: POOL } },
          { networkRef: { name: 'app' }, poolRef: { name: POOL } },
        ],
      }),
    message: /^spec\.networks\[1\]\.poolRef: pool "app-addrs" already gives spec\.networks\[0\] an address on network "app"/,
  },
] as const;

t.test('an Instance whose NIC cannot get an address says which NIC and why, and creates nothing', async (t) => {
  const env = await setup(t);
  const { client } = env;
  await client.create(poolType, pool('elsewhere', ['192.168.9.0/29']));
  for (const f of failures) {
    const obj = f.instance();
    await client.create(instanceType, obj);
    const failed = await syncedFalse(client, obj.metadata.name, /spec\.networks/);
    t.match(conditionOf(failed, 'Synced')?.message, f.message, f.name);
  }
  t.equal(env.clouds.get('default').calls.get('create:Instance') ?? 0, 0, 'no machine created');
  t.same([...(await allocationsByOwner(client)).keys()], [], 'no address held');

  // Creating the missing pool unblocks the instance naming it.
  await client.create(poolType, pool('nowhere', ['10.0.1.64/29']));
  const found = await waitReady(client, instanceType, 'lost');
  t.same(found.status?.['addresses'], ['10.0.1.64']);
});

t.test('an IPv6 network gets a /128 from an IPv6 pool', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, pool('v6', ['10.0.9.0/24', 'fd00:9::100/120']));
  await client.create(networkType, manifests.network('app', { cidr: 'fd00:9::/64' }));
  await client.create(instanceType, pooledInstance('six', 'v6'));
  const six = await waitReady(client, instanceType, 'six');
  t.same(six.status?.['addresses'], ['fd00:9::100'], 'the lowest address of the IPv6 prefix, though the pool lists IPv4 first');
  t.same((await allocationsByOwner(client)).get('six'), ['fd00:9::100/128']);
});
