/**
 * The generic reconciler called directly (no controller), with hand-written ExternalClients built from the
 * do-nothing client: step order, crash safety and the deletion/management policies.
 */
import t from 'tap';
import { bucketType, providerConfigType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createManagedReconciler, MANAGED_FINALIZER, MemoryJournal, type ManagedKind } from '../../src/managed/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectorFunc, nopExternalClient, type ExternalClient } from '../../src/providers/types.js';
import { openEnv } from '../runtime/helpers.js';

const context = { logger: silentLogger(), reconcileID: 'test' };
const signal = new AbortController().signal;

function kindWith(client: ExternalClient): ManagedKind {
  return { type: bucketType, prefix: 'cb', connector: connectorFunc(async () => client), observedFields: [], statusFromObserved: () => ({}) };
}

async function setup(spec: Record<string, unknown> = {}) {
  const env = await openEnv();
  await env.client.create(providerConfigType, { apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name: 'default' }, spec: { driver: 'sim' } });
  const bucket: KubeObject = {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Bucket',
    metadata: { name: 'b', namespace: 'default' },
    spec: { providerRef: { name: 'default' }, ...spec } as KubeObject['spec'],
  };
  await env.client.create(bucketType, bucket);
  return env;
}

t.test('status.lastOperation is stored before the external create is called', async (t) => {
  const env = await setup();
  t.teardown(() => env.close());
  let exists = false;
  let storedAtCreate: KubeObject | undefined;
  const external: ExternalClient = {
    ...nopExternalClient,
    observe: async () => (exists ? { exists: true, upToDate: true, diff: [], observed: {} } : { exists: false, upToDate: false, diff: [] }),
    create: async (obj) => {
      storedAtCreate = await env.client.get(bucketType, 'default', 'b');
      exists = true;
      return { externalName: `cb-${obj.metadata.uid?.slice(0, 4)}`, operation: 'task-42' };
    },
  };
  const journal = new MemoryJournal();
  const reconcile = createManagedReconciler({ client: env.client, kind: kindWith(external), journal, random: () => 0.5 });
  const result = await reconcile({ namespace: 'default', name: 'b' }, signal, context);
  t.match(storedAtCreate?.status?.['lastOperation'], { action: 'Create', state: 'Pending', handle: /^cb-/ });
  t.ok(storedAtCreate?.metadata.finalizers?.includes(MANAGED_FINALIZER), 'finalizer before any external action');
  const after = await env.client.get(bucketType, 'default', 'b');
  t.match(after.status, { lastOperation: { action: 'Create', state: 'Succeeded', handle: 'task-42' }, observedGeneration: 1 });
  t.same(result, { requeueAfterMs: 600_000 }, 'default poll interval, jitter factor 1.0');
  t.same((await journal.list('Bucket', 'default', 'b')).map((e) => [e.action, e.result]), [['Create', 'Succeeded']]);
});

t.test('a second reconcile with nothing changed writes nothing', async (t) => {
  const env = await setup();
  t.teardown(() => env.close());
  const external: ExternalClient = { ...nopExternalClient, observe: async () => ({ exists: true, upToDate: true, diff: [], observed: {} }) };
  const reconcile = createManagedReconciler({ client: env.client, kind: kindWith(external) });
  await reconcile({ namespace: 'default', name: 'b' }, signal, context);
  const first = await env.client.get(bucketType, 'default', 'b');
  await reconcile({ namespace: 'default', name: 'b' }, signal, context);
  const second = await env.client.get(bucketType, 'default', 'b');
  t.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
});

const deletionCases = [
  { spec: {}, deletes: true },
  { spec: { deletionPolicy: 'Orphan' }, deletes: false },
  { spec: { managementPolicy: 'NoDelete' }, deletes: false },
  { spec: { managementPolicy: 'ObserveOnly' }, deletes: false },
];
for (const c of deletionCases) {
  t.test(`deleting with ${JSON.stringify(c.spec)} ${c.deletes ? 'deletes' : 'keeps'} the external resource and releases the finalizer`, async (t) => {
    const env = await setup(c.spec);
    t.teardown(() => env.close());
    let exists = true;
    let deletes = 0;
    const external: ExternalClient = {
      ...nopExternalClient,
      observe: async () => (exists ? { exists: true, upToDate: true, diff: [], observed: {} } : { exists: false, upToDate: false, diff: [] }),
      delete: async () => {
        deletes++;
        exists = false;
      },
    };
    const reconcile = createManagedReconciler({ client: env.client, kind: kindWith(external) });
    await reconcile({ namespace: 'default', name: 'b' }, signal, context);
    await env.client.delete(bucketType, 'default', 'b');
    await reconcile({ namespace: 'default', name: 'b' }, signal, context);
    t.equal(deletes, c.deletes ? 1 : 0);
    await t.rejects(env.client.get(bucketType, 'default', 'b'), { code: 'NotFound' }, 'object gone once the finalizer is released');
  });
}

t.test('a failing external delete keeps the finalizer and reports Synced=False', async (t) => {
  const env = await setup();
  t.teardown(() => env.close());
  const external: ExternalClient = {
    ...nopExternalClient,
    observe: async () => ({ exists: true, upToDate: true, diff: [], observed: {} }),
    delete: async () => {
      throw new Error('backend says no');
    },
  };
  const reconcile = createManagedReconciler({ client: env.client, kind: kindWith(external) });
  await reconcile({ namespace: 'default', name: 'b' }, signal, context);
  await env.client.delete(bucketType, 'default', 'b');
  await t.rejects(reconcile({ namespace: 'default', name: 'b' }, signal, context), /backend says no/);
  const obj = await env.client.get(bucketType, 'default', 'b');
  t.ok(obj.metadata.finalizers?.includes(MANAGED_FINALIZER));
  t.match(obj.status, { lastOperation: { action: 'Delete', state: 'Failed', message: 'backend says no' } });
  const conditions = (obj.status?.['conditions'] ?? []) as { type: string }[];
  t.match(conditions.find((c) => c.type === 'Ready'), { status: 'False', reason: 'Deleting' });
  t.match(conditions.find((c) => c.type === 'Synced'), { status: 'False', reason: 'ReconcileError', message: 'backend says no' });
});
