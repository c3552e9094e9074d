/**
 * Namespaces in manifests and GitOps: `resolveManifests` (used by `converge apply`, `converge delete` and every
 * GitOps sync) orders a Namespace before everything else whatever the file order, and a GitRepository in
 * `converge-system` (where cluster-scoped kinds are allowed) syncs a Namespace together with objects in it.
 */
import t from 'tap';
import { gitRepositoryType, namespaceType, poolType, servedTypes } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { parseManifests } from '../../src/manifests/parse.js';
import { resolveManifests } from '../../src/manifests/resolve.js';
import { eventually, getOrUndefined } from '../controllers/helpers.js';
import { createRepo, poolYaml } from '../gitops/helpers.js';
import { startTestServer } from '../helpers/server.js';

const namespaceYaml = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

t.test('a Namespace is ordered before every other kind', async (t) => {
  const text = [poolYaml('p'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n', namespaceYaml('team-o')].join('---\n');
  const docs = parseManifests(text, 'all.yaml');
  const { objects, errors } = resolveManifests(docs, { types: servedTypes, defaultNamespace: 'team-o' });
  t.same(errors, []);
  t.same(objects.map((o) => o.type.kind), ['Namespace', 'Pool', 'Secret']);
  t.equal(objects[0]?.object.metadata.namespace, undefined, 'a Namespace gets no namespace of its own');
});

t.test('a GitRepository in converge-system syncs a Namespace and its content', async (t) => {
  const server = await startTestServer({ controllers: true });
  const repo = createRepo();
  t.teardown(async () => {
    await server.stop();
    repo.cleanup();
  });
  const client = createInProcessClient({ registry: server.registry });
  // File order puts the content first; the sync must still apply the Namespace first.
  repo.write('manifests/a-pool.yaml', poolYaml('team-pool').replace('metadata:\n', 'metadata:\n  namespace: team-g\n'));
  repo.write('manifests/z-namespace.yaml', namespaceYaml('team-g'));
  const sha = repo.commit('namespace and pool');
  await client.create(gitRepositoryType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'platform', namespace: 'converge-system' },
    spec: { url: repo.url, ref: { branch: 'main' }, path: 'manifests', interval: '1h', prune: true },
  });
  let last: unknown;
  const synced = await eventually(async () => {
    const obj = await client.get(gitRepositoryType, 'converge-system', 'platform');
    last = obj.status;
    return obj.status?.['lastAppliedRevision'] === sha ? obj : undefined;
  }, 'the sync applied the commit', 20_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; status: ${JSON.stringify(last)}`);
  });
  // The inventory is sorted by key, not by apply order.
  const inventory = synced.status?.['inventory'];
  t.same(Array.isArray(inventory) ? [...inventory].map((e) => JSON.stringify(e)).sort() : [], [
    JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Pool', namespace: 'team-g', name: 'team-pool' }),
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', name: 'team-g' }),
  ].sort());
  const ns = await client.get(namespaceType, undefined, 'team-g');
  t.match(ns, { status: { phase: 'Active' }, metadata: { labels: { 'gitops.converge.io/name': 'platform' } } });
  t.ok(await getOrUndefined(client, poolType, 'team-g', 'team-pool'), 'the Pool in it was applied');
});
