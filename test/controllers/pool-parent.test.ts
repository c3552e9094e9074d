import t from 'tap';
import { ipAllocationType, networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { PARENT_FINALIZER } from '../../controllers/pool/parent.js';
import { conditionOf, eventually, getOrUndefined, startEnv, waitReady } from './helpers.js';

const pool = (name: string, cidrs: string[], parent?: string): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Pool',
  metadata: { name, namespace: 'default' },
  spec: { cidrs, ...(parent !== undefined ? { parentRef: { name: parent } } : {}) },
});
const pooledNetwork = (name: string, poolName: string, prefixLength: number): KubeObject => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Network',
  metadata: { name, namespace: 'default' },
  spec: { providerRef: { name: 'default' }, poolRef: { name: poolName }, prefixLength },
});

/** Waits until pool `name` has Ready=False and returns that condition. */
async function notReady(client: ApiClient, name: string): Promise<{ reason?: string; message?: string }> {
  const obj = await eventually(async () => {
    const p = await getOrUndefined(client, poolType, 'default', name);
    return p && conditionOf(p, 'Ready')?.status === 'False' && p.status?.['observedGeneration'] === p.metadata.generation ? p : undefined;
  }, `pool ${name} Ready=False`);
  const ready = conditionOf(obj, 'Ready');
  return { ...(ready?.reason ? { reason: ready.reason } : {}), ...(ready?.message ? { message: ready.message } : {}) };
}

async function allocationsOf(client: ApiClient, poolName: string): Promise<{ cidr: unknown; owner: unknown; purpose: unknown }[]> {
  return (await client.list(ipAllocationType, { namespace: 'default' })).items
    .filter((o) => (o.spec?.['poolRef'] as { name?: unknown } | undefined)?.name === poolName)
    .map((o) => ({ cidr: o.spec?.['cidr'], owner: (o.spec?.['owner'] as { name?: unknown } | undefined)?.name, purpose: o.spec?.['purpose'] }));
}

t.test('a child pool claims its prefix from the parent; Networks draw from each without overlap; deleting the child releases it', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, pool('site', ['10.80.0.0/16']));
  await client.create(poolType, pool('rack', ['10.80.0.0/20'], 'site'));
  const rack = await waitReady(client, poolType, 'rack');
  t.ok(rack.metadata.finalizers?.includes(PARENT_FINALIZER), 'the child holds a finalizer while it holds claims');
  t.same(await allocationsOf(client, 'site'), [{ cidr: '10.80.0.0/20', owner: 'rack', purpose: 'pool' }], 'one claim in the parent, owned by the child');
  const site = await eventually(async () => {
    const p = await client.get(poolType, 'default', 'site');
    return p.status?.['allocations'] === 1 ? p : undefined;
  }, 'parent to count the claim');
  t.equal(site.status?.['utilisationPercent'], 6.25, "the child's /20 is 1/16 of the parent");

  await client.create(networkType, pooledNetwork('in-rack', 'rack', 24));
  await client.create(networkType, pooledNetwork('in-site', 'site', 24));
  const inRack = await waitReady(client, networkType, 'in-rack');
  const inSite = await waitReady(client, networkType, 'in-site');
  t.equal(inRack.status?.['cidr'], '10.80.0.0/24', 'from the child: inside its /20');
  t.equal(inSite.status?.['cidr'], '10.80.16.0/24', 'from the parent: outside the claimed /20');
  await eventually(async () => conditionOf(await client.get(poolType, 'default', 'site'), 'Drifted')?.status === 'False', 'parent not drifted');
  t.same((await client.get(poolType, 'default', 'site')).status?.['conflicts'], undefined, "networks of the child are not the parent's conflicts");

  await client.create(poolType, pool('sibling', ['10.80.8.0/21'], 'site'));
  t.same(await notReady(client, 'sibling'), {
    reason: 'ParentConflict',
    message: '10.80.8.0/21 overlaps Pool "rack" (10.80.0.0/20) in parent pool "site"',
  });
  await client.create(networkType, pooledNetwork('in-sibling', 'sibling', 24));
  const refused = await eventually(async () => {
    const n = await getOrUndefined(client, networkType, 'default', 'in-sibling');
    return n && conditionOf(n, 'Synced')?.status === 'False' ? n : undefined;
  }, 'network of the blocked child refused');
  t.match(conditionOf(refused, 'Synced')?.message, /pool "sibling" hands out nothing until its cidrs are claimed from parent pool "site": 10\.80\.8\.0\/21 overlaps Pool "rack"/);

  await client.delete(poolType, 'default', 'rack');
  const held = await eventually(async () => {
    const p = await client.get(poolType, 'default', 'rack');
    return conditionOf(p, 'Ready')?.reason === 'Deleting' ? p : undefined;
  }, 'rack to wait for its Network');
  t.equal(
    conditionOf(held, 'Ready')?.message,
    'waiting for 1 allocation(s) of this pool to be released before its cidrs go back to parent pool "site": Network "in-rack" (10.80.0.0/24)',
  );
  t.ok((await allocationsOf(client, 'site')).some((a) => a.owner === 'rack'), 'the claim stays while a Network holds a range of the child');
  await client.delete(networkType, 'default', 'in-rack');
  await eventually(async () => (await getOrUndefined(client, poolType, 'default', 'rack')) === undefined, 'rack gone once its claim is released');
  t.notOk((await allocationsOf(client, 'site')).some((a) => a.owner === 'rack'), "rack's claim released");
  const sibling = await waitReady(client, networkType, 'in-sibling');
  t.equal(sibling.status?.['cidr'], '10.80.8.0/24', 'the unblocked child claims its /21 and hands out');
  t.same((await allocationsOf(client, 'site')).map((a) => a.owner).sort(), ['in-site', 'sibling']);
});

t.test('a child reports what keeps it from claiming: missing parent, prefix outside it, a Network or reserved range in the way', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client } = env;
  await client.create(poolType, { ...pool('site', ['10.90.0.0/16']), spec: { cidrs: ['10.90.0.0/16'], reserved: [{ start: '10.90.0.0', end: '10.90.0.255' }] } });
  await client.create(networkType, pooledNetwork('web', 'site', 24));
  const web = await waitReady(client, networkType, 'web');
  t.equal(web.status?.['cidr'], '10.90.1.0/24', 'best fit: the /24 beside the reserved one');
  const cases = [
    { name: 'orphan', cidrs: ['10.91.0.0/24'], parent: 'nowhere', reason: 'ParentNotFound', message: 'parent pool "nowhere" not found in namespace "default": create it or remove spec.parentRef' },
    { name: 'outside', cidrs: ['10.91.0.0/24'], parent: 'site', reason: 'NotInParent', message: '10.91.0.0/24 is not inside parent pool "site" (10.90.0.0/16)' },
    { name: 'on-web', cidrs: ['10.90.1.128/25'], parent: 'site', reason: 'ParentConflict', message: '10.90.1.128/25 overlaps Network "web" (10.90.1.0/24) in parent pool "site"' },
    { name: 'on-reserved', cidrs: ['10.90.0.0/25'], parent: 'site', reason: 'ParentConflict', message: '10.90.0.0/25 overlaps the reserved range 10.90.0.0-10.90.0.255 of parent pool "site"' },
    { name: 'selfish', cidrs: ['10.90.0.0/24'], parent: 'selfish', reason: 'ParentCycle', message: 'pool "selfish" names itself as its parent' },
  ];
  for (const c of cases) await client.create(poolType, pool(c.name, c.cidrs, c.parent));
  for (const c of cases) t.same(await notReady(client, c.name), { reason: c.reason, message: c.message }, c.name);
  t.same((await allocationsOf(client, 'site')).map((a) => a.owner), ['web'], 'blocked children claimed nothing');

  await client.create(poolType, pool('nowhere', ['10.91.0.0/16']));
  await waitReady(client, poolType, 'orphan');
  t.pass('the orphan claims its prefix once the parent exists');
});
