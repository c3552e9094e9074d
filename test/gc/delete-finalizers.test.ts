/**
 * Which garbage-collector finalizer a DELETE leaves on an object (kube-apiserver's
 * deletionFinalizersForGarbageCollection), and what the registry then does: explicit options win over a GC
 * finalizer already on the object, which wins over the Background default; an object left with no finalizer
 * is removed at once, also when it was terminating behind only a GC finalizer.
 */
import t from 'tap';
import { poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { createRegistryContext, deleteObject } from '../../src/registry/index.js';
import { finalizersAfterDelete, type DeleteOptions } from '../../src/registry/delete.js';
import { openBackend } from '../../src/store/index.js';

const table: { existing: string[]; options: Pick<DeleteOptions, 'propagationPolicy' | 'orphanDependents'>; want: string[] }[] = [
  { existing: [], options: {}, want: [] },
  { existing: [], options: { propagationPolicy: 'Background' }, want: [] },
  { existing: [], options: { propagationPolicy: 'Orphan' }, want: ['orphan'] },
  { existing: [], options: { propagationPolicy: 'Foreground' }, want: ['foregroundDeletion'] },
  { existing: [], options: { orphanDependents: true }, want: ['orphan'] },
  { existing: ['orphan'], options: { orphanDependents: false }, want: [] },
  { existing: ['x.io/keep'], options: { propagationPolicy: 'Orphan' }, want: ['x.io/keep', 'orphan'] },
  { existing: ['orphan'], options: {}, want: ['orphan'] },
  { existing: ['foregroundDeletion', 'x.io/keep'], options: {}, want: ['x.io/keep', 'foregroundDeletion'] },
  { existing: ['orphan'], options: { propagationPolicy: 'Foreground' }, want: ['foregroundDeletion'] },
  { existing: ['foregroundDeletion'], options: { propagationPolicy: 'Background' }, want: [] },
];

t.test('finalizersAfterDelete follows kube-apiserver', async (t) => {
  for (const row of table) t.same(finalizersAfterDelete(row.existing, row.options), row.want, `${JSON.stringify(row.existing)} + ${JSON.stringify(row.options)}`);
});

t.test('the registry applies them', async (t) => {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  t.teardown(() => backend.close());
  const registry = createRegistryContext({ backend });
  const client = createInProcessClient({ registry });
  const pool = (name: string, finalizers: string[] = []): KubeObject => ({
    apiVersion: 'converge.io/v1alpha1',
    kind: 'Pool',
    metadata: { name, namespace: 'd', ...(finalizers.length > 0 ? { finalizers } : {}) },
    spec: { cidrs: ['10.1.0.0/24'] },
  });

  await client.create(poolType, pool('orphan-then-background'));
  const first = await deleteObject(registry, poolType, 'd', 'orphan-then-background', { propagationPolicy: 'Orphan' });
  t.equal(first.removed, false);
  t.same(first.object.metadata.finalizers, ['orphan']);
  const generation = first.object.metadata.generation;
  // Deleting again with another policy swaps the finalizer, keeps the first deletionTimestamp and generation.
  const again = await deleteObject(registry, poolType, 'd', 'orphan-then-background', { propagationPolicy: 'Foreground' });
  t.same(again.object.metadata.finalizers, ['foregroundDeletion']);
  t.equal(again.object.metadata.deletionTimestamp, first.object.metadata.deletionTimestamp);
  t.equal(again.object.metadata.generation, generation);
  const unchanged = await deleteObject(registry, poolType, 'd', 'orphan-then-background', {});
  t.equal(unchanged.object.metadata.resourceVersion, again.object.metadata.resourceVersion, 'the same delete again writes nothing');
  // Background drops the GC finalizer; nothing else holds the object, so it goes at once.
  const last = await deleteObject(registry, poolType, 'd', 'orphan-then-background', { propagationPolicy: 'Background' });
  t.equal(last.removed, true);

  await client.create(poolType, pool('user-orphan', ['orphan']));
  const kept = await deleteObject(registry, poolType, 'd', 'user-orphan', {});
  t.same(kept.object.metadata.finalizers, ['orphan'], 'a GC finalizer set by the user decides when no policy is given');

  await client.create(poolType, pool('dry'));
  const dry = await deleteObject(registry, poolType, 'd', 'dry', { propagationPolicy: 'Foreground', dryRun: true });
  t.same(dry.object.metadata.finalizers, ['foregroundDeletion']);
  const stored = await client.get(poolType, 'd', 'dry');
  t.notOk(stored.metadata.finalizers, 'dry-run wrote nothing');
  t.notOk(stored.metadata.deletionTimestamp);
});
