import t from 'tap';
import type { Registry } from 'prom-client';
import { networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { parseCidr, type Cidr } from '../../schemas/cidr.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { poolLayout, poolUsage } from '../../src/ipam/index.js';
import { SimKind } from '../../src/providers/sim/index.js';
import { findConflicts } from '../../controllers/pool/conflicts.js';
import { utilisationPercent, utilisationText } from '../../controllers/pool/usage.js';
import { createPoolReconciler, POOL_RESYNC_MS } from '../../controllers/pool/reconcile.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient } from '../../src/client/types.js';
import { nopManagedMetrics } from '../../src/managed/index.js';
import { SimClouds as Clouds } from '../../src/providers/sim/index.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend } from '../../src/store/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { conditionOf, eventually, getOrUndefined, manifests, poke, startEnv, waitReady } from './helpers.js';

const pool = (name: string, cidrs: string[]): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Pool',
  metadata: { name, namespace: 'default' },
  spec: { cidrs },
});
const pooledNetwork = (name: string, poolName: string, prefixLength: number): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Network',
  metadata: { name, namespace: 'default' },
  spec: { providerRef: { name: 'default' }, poolRef: { name: poolName }, prefixLength },
});

async function poolDrift(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('converge_drift_detected_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels['kind'] === 'Pool').reduce((n, v) => n + v.value, 0);
}

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

function conflictsOf(obj: KubeObject): unknown[] {
  const list = obj.status?.['conflicts'];
  return Array.isArray(list) ? list : [];
}

t.test('Pool status counts allocations and utilisation per family once Networks claim prefixes', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, pool('lab', ['10.50.0.0/22', 'fd00:50::/48']));
  const empty = await waitReady(client, poolType, 'lab');
  t.equal(empty.status?.['allocations'], 0, 'no allocations yet');
  t.equal(conditionOf(empty, 'Ready')?.message, 'IPv4 0 of 4 /24s (0%); IPv6 0 of 65536 /64s (0%)');

  await client.create(networkType, pooledNetwork('a', 'lab', 24));
  await client.create(networkType, pooledNetwork('b', 'lab', 24));
  await waitReady(client, networkType, 'a');
  await waitReady(client, networkType, 'b');
  const used = await eventually(async () => {
    const obj = await client.get(poolType, 'default', 'lab');
    return obj.status?.['allocations'] === 2 ? obj : undefined;
  }, 'pool to count two allocations');
  t.equal(used.status?.['utilisationPercent'], 50, 'the fuller family decides the percentage');
  t.equal(conditionOf(used, 'Ready')?.message, 'IPv4 2 of 4 /24s (50%); IPv6 0 of 65536 /64s (0%)');
  t.equal(conditionOf(used, 'Ready')?.observedGeneration, used.metadata.generation);
  t.equal(used.status?.['observedGeneration'], used.metadata.generation);
  t.equal(conditionOf(used, 'Drifted')?.status, 'False', 'networks built from the pool are not drift');
  t.same(conflictsOf(used), []);

  await client.delete(networkType, 'default', 'a');
  await eventually(async () => (await client.get(poolType, 'default', 'lab')).status?.['allocations'] === 1, 'released allocation counted');
});

t.test('an out-of-band network overlapping the pool is reported as drift and avoided by the next allocation', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(poolType, pool('lab', ['10.60.0.0/23']));
  await waitReady(client, poolType, 'lab');
  // 10.60.0.0/24 is the block the allocator would pick first.
  await clouds.get('default').create(SimKind.Network, 'cn-rogue', { cidr: '10.60.0.0/24', bridge: 'br-rogue' });
  await poke(client, poolType, 'lab');
  const drifted = await eventually(async () => {
    const obj = await client.get(poolType, 'default', 'lab');
    return conditionOf(obj, 'Drifted')?.status === 'True' ? obj : undefined;
  }, 'Drifted=True on the pool');
  t.match(conflictsOf(drifted), [{ providerRef: 'default', network: 'cn-rogue', cidr: '10.60.0.0/24', poolCidr: '10.60.0.0/23', firstSeen: String }]);
  t.match(conditionOf(drifted, 'Drifted')?.message, /unmanaged network 10\.60\.0\.0\/24 \(cn-rogue in default\)/);
  t.equal(await poolDrift(env.registry), 1, 'converge_drift_detected_total{kind="Pool"} counted once');

  await client.create(networkType, pooledNetwork('next', 'lab', 24));
  const next = await waitReady(client, networkType, 'next');
  t.equal(next.status?.['cidr'], '10.60.1.0/24', 'the allocator skipped the unmanaged network');

  await client.create(networkType, pooledNetwork('more', 'lab', 24));
  const starved = await eventually(async () => {
    const obj = await getOrUndefined(client, networkType, 'default', 'more');
    return obj && conditionOf(obj, 'Synced')?.status === 'False' ? obj : undefined;
  }, 'the third network to find the pool full');
  t.match(conditionOf(starved, 'Synced')?.message, /no free \/24 left/);

  await poke(client, poolType, 'lab');
  const still = await eventually(async () => {
    const obj = await client.get(poolType, 'default', 'lab');
    return obj.status?.['allocations'] === 1 ? obj : undefined;
  }, 'pool to count the managed network');
  t.equal(conflictsOf(still).length, 1, 'the managed network is not a conflict');
  t.equal(await poolDrift(env.registry), 1, 'a conflict still outstanding is not counted again');

  clouds.get('default').remove(SimKind.Network, 'cn-rogue');
  await poke(client, poolType, 'lab');
  const clean = await eventually(async () => {
    const obj = await client.get(poolType, 'default', 'lab');
    return conditionOf(obj, 'Drifted')?.status === 'False' ? obj : undefined;
  }, 'Drifted=False once the network is gone');
  t.same(conflictsOf(clean), []);
  const freed = await waitReady(client, networkType, 'more');
  t.equal(freed.status?.['cidr'], '10.60.0.0/24', 'the range is handed out once nothing occupies it');
});

t.test('a Network with a literal cidr inside the pool is a conflict too (no IPAllocation backs it)', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, pool('lab', ['10.70.0.0/16']));
  await client.create(networkType, manifests.network('manual', { cidr: '10.70.8.0/24' }));
  await waitReady(client, networkType, 'manual');
  await poke(client, poolType, 'lab');
  const obj = await eventually(async () => {
    const p = await client.get(poolType, 'default', 'lab');
    return conflictsOf(p).length > 0 ? p : undefined;
  }, 'conflict on the pool');
  t.match(conflictsOf(obj), [{ cidr: '10.70.8.0/24', poolCidr: '10.70.0.0/16' }]);
});

t.test('utilisation text counts in the block size the pool hands out, per family', async (t) => {
  const cases = [
    { cidrs: ['10.0.0.0/16'], allocs: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'], text: 'IPv4 3 of 256 /24s (1.2%)', percent: 1.17 },
    { cidrs: ['10.0.0.0/24'], allocs: ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/27'], text: 'IPv4 3 of 4 /26s (62.5%)', percent: 62.5 },
    { cidrs: ['10.0.0.0/28'], allocs: [], text: 'IPv4 0 of 1 /28s (0%)', percent: 0 },
    { cidrs: ['fd00::/48', '10.1.0.0/23'], allocs: ['fd00::/64', '10.1.0.0/24'], text: 'IPv4 1 of 2 /24s (50%); IPv6 1 of 65536 /64s (0%)', percent: 50 },
  ];
  for (const c of cases) {
    const layout = poolLayout('p', { cidrs: c.cidrs });
    const allocs = c.allocs.map(cidr);
    const usage = poolUsage(layout, allocs);
    t.equal(utilisationText(usage, layout.cidrs, allocs), c.text, c.cidrs.join(','));
    t.equal(utilisationPercent(usage), c.percent, `${c.cidrs.join(',')} percent`);
  }
});

t.test('findConflicts: exact allocations are managed, anything else overlapping is a conflict; firstSeen is kept', async (t) => {
  const allocation = (text: string) => ({
    name: `a-${text}`, namespace: 'default', uid: 'u', resourceVersion: '1', pool: 'p', cidr: cidr(text), cidrText: text,
    purpose: AllocationPurpose.Network, owner: { kind: 'Network', name: 'n', uid: 'u' }, terminating: false,
  });
  const observed = [
    { providerRef: 'default', network: 'cn-managed', cidr: cidr('10.0.1.0/24') },
    { providerRef: 'default', network: 'cn-inside', cidr: cidr('10.0.1.128/25') },
    { providerRef: 'default', network: 'cn-outside', cidr: cidr('192.168.0.0/24') },
    { providerRef: 'other', network: 'cn-wide', cidr: cidr('10.0.0.0/8') },
  ];
  const found = findConflicts({
    poolCidrs: [cidr('10.0.0.0/16')],
    allocations: [allocation('10.0.1.0/24')],
    observed,
    previous: [{ providerRef: 'other', network: 'cn-wide', cidr: '10.0.0.0/8', poolCidr: '10.0.0.0/16', firstSeen: '2026-01-01T00:00:00Z' }],
    now: '2026-02-02T00:00:00Z',
  });
  t.same(found, [
    { providerRef: 'default', network: 'cn-inside', cidr: '10.0.1.128/25', poolCidr: '10.0.0.0/16', firstSeen: '2026-02-02T00:00:00Z' },
    { providerRef: 'other', network: 'cn-wide', cidr: '10.0.0.0/8', poolCidr: '10.0.0.0/16', firstSeen: '2026-01-01T00:00:00Z' },
  ]);
});

t.test('a pool is observed at most once per interval at one generation; a spec change is never held back', async (t) => {
  const backend = await openBackend('memory://');
  t.teardown(() => backend.close());
  const inner = createInProcessClient({ registry: createRegistryContext({ backend }) });
  let lists = 0;
  const client: ApiClient = { ...inner, list: (...a) => (lists++, inner.list(...a)), watch: (...a) => inner.watch(...a), get: (...a) => inner.get(...a), create: (...a) => inner.create(...a), update: (...a) => inner.update(...a), patch: (...a) => inner.patch(...a), delete: (...a) => inner.delete(...a) };
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const reconcile = createPoolReconciler({ client, clouds: new Clouds(), metrics: nopManagedMetrics, random: () => 0.5, now: () => new Date(clock), minObserveMs: 1000 });
  await client.create(poolType, pool('lab', ['10.0.0.0/24']));
  const req = { namespace: 'default', name: 'lab' };
  const signal = new AbortController().signal;
  const steps = [
    { advance: 0, change: false, observes: true, requeue: POOL_RESYNC_MS, why: 'first reconcile observes' },
    { advance: 400, change: false, observes: false, requeue: 600, why: 'woken 400 ms later: waits out the rest of the interval' },
    { advance: 600, change: false, observes: true, requeue: POOL_RESYNC_MS, why: 'a full interval later: observes' },
    { advance: 10, change: true, observes: true, requeue: POOL_RESYNC_MS, why: 'a spec change 10 ms later: observes at once' },
  ];
  for (const step of steps) {
    clock += step.advance;
    if (step.change) await client.patch(poolType, 'default', 'lab', { type: 'merge', body: { spec: { cidrs: ['10.0.0.0/23'] } } });
    lists = 0;
    const result = await reconcile(req, signal, { logger: silentLogger(), reconcileID: 'test' });
    t.equal(lists > 0, step.observes, step.why);
    t.equal(result?.requeueAfterMs, step.requeue, `${step.why}: requeue`);
  }
});
