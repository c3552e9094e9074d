/**
 * GitOps end to end on a real Converge server (API, controllers, the webhook receiver) and real git
 * repositories: commit → signed webhook → synced within a second with the SHA in status; removed files are
 * pruned; an invalid manifest stops the whole sync and status names its file and line; an emptied tree and a
 * mass deletion prune nothing; bad signatures are refused; paths out of the repository are rejected.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { gitRepositoryType, poolType, secretType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { isInvalid } from '../../src/errors/index.js';
import { conditionOf, eventually, getOrUndefined } from '../controllers/helpers.js';
import { startTestServer } from '../helpers/server.js';
import { createRepo, poolYaml } from './helpers.js';

const TOKEN = 'webhook-s3cret';
const server = await startTestServer({ controllers: true });
const client = createInProcessClient({ registry: server.registry });
const repo = createRepo();
const outside = mkdtempSync(join(tmpdir(), 'converge-gitops-outside-'));
t.teardown(async () => {
  await server.stop();
  repo.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const cidrOf = (i: number) => `10.${100 + i}.0.0/16`;
const writePool = (i: number) => repo.write(`manifests/p${i}.yaml`, poolYaml(`p${i}`, cidrOf(i)));

type Scheme = 'github' | 'gitea' | 'gitlab' | 'wrong' | 'unsigned';

/** POSTs a push delivery for `sha` signed the way `scheme` signs. */
async function deliver(scheme: Scheme, sha: string, name = 'infra', ref = 'refs/heads/main'): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify({ ref, before: '0'.repeat(40), after: sha, repository: { name: 'infra' } });
  const hmac = createHmac('sha256', scheme === 'wrong' ? 'not-the-token' : TOKEN).update(body).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (scheme === 'github' || scheme === 'wrong') headers['x-hub-signature-256'] = `sha256=${hmac}`;
  if (scheme === 'gitea') headers['x-gitea-signature'] = hmac;
  if (scheme === 'gitlab') headers['x-gitlab-token'] = TOKEN;
  const res = await fetch(`${server.url}/hooks/v1/gitrepositories/default/${name}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const getRepo = (name = 'infra') => client.get(gitRepositoryType, 'default', name);
const statusOf = (obj: KubeObject, field: string) => obj.status?.[field];
const poolExists = async (i: number) => (await getOrUndefined(client, poolType, 'default', `p${i}`)) !== undefined;

/** Waits until the last sync attempt is `sha`; returns the GitRepository. */
function attempted(sha: string, timeoutMs = 10_000): Promise<KubeObject> {
  return eventually(async () => {
    const obj = await getRepo();
    return statusOf(obj, 'lastAttemptedRevision') === sha ? obj : undefined;
  }, `sync attempt of ${sha}`, timeoutMs);
}

/** Waits until every pool in `present` exists and none in `absent` does. */
async function poolsAre(present: number[], absent: number[]): Promise<void> {
  await eventually(async () => {
    for (const i of present) if (!(await poolExists(i))) return false;
    for (const i of absent) if (await poolExists(i)) return false;
    return true;
  }, `pools ${present.join(',')} present and ${absent.join(',')} absent`);
}

for (const i of [1, 2, 3, 4]) writePool(i);
const first = repo.commit('four pools');
await client.create(secretType, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: 'default' }, stringData: { token: TOKEN } });
await client.create(gitRepositoryType, {
  apiVersion: 'converge.io/v1alpha1',
  kind: 'GitRepository',
  metadata: { name: 'infra', namespace: 'default' },
  spec: { url: repo.url, ref: { branch: 'main' }, path: 'manifests', interval: '1h', prune: true, webhook: { secretRef: { name: 'hook' } } },
});

t.test('the first sync applies every object, labelled, with the SHA and inventory in status', async (t) => {
  const obj = await attempted(first);
  t.equal(statusOf(obj, 'lastAppliedRevision'), first);
  t.equal(conditionOf(obj, 'Ready')?.status, 'True');
  t.equal(conditionOf(obj, 'Synced')?.status, 'True');
  t.same(statusOf(obj, 'inventory'), [1, 2, 3, 4].map((i) => ({ apiVersion: 'converge.io/v1alpha1', kind: 'Pool', namespace: 'default', name: `p${i}` })));
  const pool = await client.get(poolType, 'default', 'p1');
  t.match(pool.metadata.labels, { 'gitops.converge.io/source': 'gitrepository', 'gitops.converge.io/namespace': 'default', 'gitops.converge.io/name': 'infra' });
  t.ok(pool.metadata.managedFields?.some((m) => m.manager === 'converge-gitops' && m.operation === 'Apply'), 'applied by field manager converge-gitops');
});

t.test('commit → signed webhook → synced within a second', async (t) => {
  for (const scheme of ['github', 'gitea', 'gitlab'] as const) {
    const n = { github: 5, gitea: 6, gitlab: 7 }[scheme];
    writePool(n);
    const sha = repo.commit(`pool ${n}`);
    const started = Date.now();
    const res = await deliver(scheme, sha);
    t.equal(res.status, 202, `${scheme}: accepted`);
    // Waits longer than the deadline so that a slow sync fails this one assertion, not every later test.
    const obj = await attempted(sha);
    const took = Date.now() - started;
    t.ok(took < 1000, `${scheme}: synced within 1 s (took ${took} ms)`);
    t.equal(statusOf(obj, 'lastAppliedRevision'), sha, `${scheme}: SHA in status`);
    t.ok(await poolExists(n), `${scheme}: p${n} applied`);
  }
});

t.test('bad or missing signatures are refused and sync nothing', async (t) => {
  const before = statusOf(await getRepo(), 'lastAppliedRevision');
  writePool(8);
  const sha = repo.commit('pool 8');
  const wrong = await deliver('wrong', sha);
  t.equal(wrong.status, 403);
  t.match(wrong.body, { kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
  const unsigned = await deliver('unsigned', sha);
  t.equal(unsigned.status, 401);
  t.match(unsigned.body, { kind: 'Status', reason: 'Unauthorized' });
  const other = await deliver('github', sha, 'infra', 'refs/heads/feature');
  t.equal(other.status, 200, 'a push to another branch is acknowledged');
  t.match(other.body, { message: /ignored/ });
  const missing = await deliver('github', sha, 'nope');
  t.equal(missing.status, 404, 'unknown GitRepository');
  await new Promise((resolve) => setTimeout(resolve, 700));
  t.equal(statusOf(await getRepo(), 'lastAppliedRevision'), before, 'nothing synced');
  t.notOk(await poolExists(8), 'p8 not applied');
  const big = await fetch(`${server.url}/hooks/v1/gitrepositories/default/infra`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
  t.equal(big.status, 413, 'bodies over 1 MiB are refused');
});

t.test('remove a file and commit → pruned', async (t) => {
  repo.remove('manifests/p1.yaml');
  const sha = repo.commit('drop p1');
  t.equal((await deliver('github', sha)).status, 202);
  const obj = await attempted(sha);
  t.equal(statusOf(obj, 'lastAppliedRevision'), sha);
  await poolsAre([2, 3, 4, 5, 6, 7, 8], [1]);
  t.notOk((statusOf(obj, 'inventory') as { name: string }[]).some((e) => e.name === 'p1'), 'p1 left the inventory');
});

t.test('an invalid manifest: nothing applied or pruned, status names the file and line', async (t) => {
  const applied = statusOf(await getRepo(), 'lastAppliedRevision');
  repo.write('manifests/bad.yaml', poolYaml('bad', '10.0.0.5/24'));
  writePool(9);
  repo.remove('manifests/p2.yaml');
  const sha = repo.commit('a broken pool, a new one, p2 removed');
  t.equal((await deliver('github', sha)).status, 202);
  const obj = await attempted(sha);
  t.equal(statusOf(obj, 'lastAppliedRevision'), applied, 'the applied revision stays');
  t.match(statusOf(obj, 'errors'), [{ file: 'manifests/bad.yaml', line: 7, message: /Pool\/bad: spec\.cidrs\[0\].*10\.0\.0\.0\/24/ }]);
  t.match(conditionOf(obj, 'Ready'), { status: 'False', reason: 'ValidationFailed', message: /manifests\/bad\.yaml:7/ });
  t.equal(conditionOf(obj, 'Synced')?.status, 'False');
  t.notOk(await poolExists(9), 'the valid new pool was not applied either');
  t.ok(await poolExists(2), 'p2 was not pruned');
  repo.remove('manifests/bad.yaml');
});

t.test('an empty render prunes nothing; neither does a path that vanished', async (t) => {
  repo.remove('manifests');
  repo.write('manifests/README.md', 'manifests moved elsewhere');
  const empty = repo.commit('every manifest removed');
  t.equal((await deliver('gitlab', empty)).status, 202);
  const obj = await attempted(empty);
  t.match(conditionOf(obj, 'Ready'), { status: 'False', reason: 'EmptyRender', message: /nothing pruned/ });
  t.equal((statusOf(obj, 'inventory') as unknown[]).length, 7, 'inventory kept');
  repo.remove('manifests');
  const gone = repo.commit('the directory removed too');
  t.equal((await deliver('github', gone)).status, 202);
  const obj2 = await attempted(gone);
  t.match(conditionOf(obj2, 'Ready'), { status: 'False', reason: 'ValidationFailed', message: /manifests: path does not exist/ });
  t.equal((statusOf(obj2, 'inventory') as unknown[]).length, 7, 'inventory kept');
  await poolsAre([2, 3, 4, 5, 6, 7, 8], []);
});

t.test('maxPrunePercent stops a mass prune; raising it lets the prune through', async (t) => {
  writePool(3);
  const sha = repo.commit('only p3 left');
  t.equal((await deliver('github', sha)).status, 202);
  const obj = await attempted(sha);
  t.equal(statusOf(obj, 'lastAppliedRevision'), sha, 'p3 applied');
  t.match(conditionOf(obj, 'Ready'), { status: 'False', reason: 'PruneBudgetExceeded', message: /prune of 6 of 7 objects \(86%\) exceeds maxPrunePercent 50%/ });
  t.match(conditionOf(obj, 'Synced'), { status: 'False', reason: 'PruneBudgetExceeded' });
  await poolsAre([2, 3, 4, 5, 6, 7, 8], []);
  await client.patch(gitRepositoryType, 'default', 'infra', { type: 'merge', body: { spec: { maxPrunePercent: 100 } } });
  const pruned = await eventually(async () => {
    const r = await getRepo();
    return conditionOf(r, 'Ready')?.status === 'True' && statusOf(r, 'observedGeneration') === r.metadata.generation ? r : undefined;
  }, 'prune after raising the budget');
  t.same((statusOf(pruned, 'inventory') as { name: string }[]).map((e) => e.name), ['p3']);
  await poolsAre([3], [2, 4, 5, 6, 7, 8]);
});

t.test('paths out of the repository are rejected', async (t) => {
  const err = await client
    .create(gitRepositoryType, { apiVersion: 'converge.io/v1alpha1', kind: 'GitRepository', metadata: { name: 'escape', namespace: 'default' }, spec: { url: repo.url, path: '../..' } })
    .catch((e: unknown) => e);
  t.ok(isInvalid(err), 'spec.path with .. is refused by the API');
  writeFileSync(join(outside, 'stolen.yaml'), poolYaml('stolen', '10.250.0.0/16'));
  repo.symlink('manifests/stolen.yaml', join(outside, 'stolen.yaml'));
  writePool(10);
  const sha = repo.commit('a symlink out of the checkout');
  t.equal((await deliver('github', sha)).status, 202);
  const obj = await attempted(sha);
  t.match(statusOf(obj, 'errors'), [{ file: 'manifests/stolen.yaml', line: 0, message: /symlink points outside the repository/ }]);
  t.notOk(await getOrUndefined(client, poolType, 'default', 'stolen'), 'nothing from outside applied');
  t.notOk(await poolExists(10), 'and nothing else either');
});

t.test('suspend stops syncing, even on a push; interval polling syncs without a webhook', async (t) => {
  repo.remove('manifests/stolen.yaml');
  repo.remove('manifests/p10.yaml');
  const applied = repo.commit('symlink removed');
  t.equal((await deliver('github', applied)).status, 202);
  await attempted(applied);
  await client.patch(gitRepositoryType, 'default', 'infra', { type: 'merge', body: { spec: { suspend: true } } });
  await eventually(async () => conditionOf(await getRepo(), 'Synced')?.reason === 'Suspended', 'Synced=False/Suspended');
  writePool(11);
  const sha = repo.commit('pool 11 while suspended');
  t.equal((await deliver('github', sha)).status, 202);
  await new Promise((resolve) => setTimeout(resolve, 700));
  t.equal(statusOf(await getRepo(), 'lastAttemptedRevision'), applied, 'nothing fetched while suspended');
  t.notOk(await poolExists(11));
  await client.patch(gitRepositoryType, 'default', 'infra', { type: 'merge', body: { spec: { suspend: false, interval: '1s' } } });
  await attempted(sha);
  t.ok(await poolExists(11), 'resuming syncs the pending commit');
  writePool(12);
  const polled = repo.commit('pool 12, no webhook');
  await attempted(polled, 5000);
  t.ok(await poolExists(12), 'the interval picked up the commit without a webhook');
});

t.test('a GitRepository outside converge-system reaches only its own namespace: other namespaces and cluster-scoped kinds are refused', async (t) => {
  const applied = statusOf(await getRepo(), 'lastAppliedRevision');
  repo.write('manifests/elsewhere.yaml', ['apiVersion: converge.io/v1alpha1', 'kind: Pool', 'metadata: {name: foreign, namespace: team-b}', 'spec: {cidrs: [10.99.0.0/24]}', ''].join('\n'));
  repo.write('manifests/provider.yaml', ['apiVersion: converge.io/v1alpha1', 'kind: ProviderConfig', 'metadata: {name: sneaky}', 'spec: {driver: sim}', ''].join('\n'));
  const sha = repo.commit('objects outside the namespace');
  const obj = await attempted(sha);
  t.equal(statusOf(obj, 'lastAppliedRevision'), applied, 'nothing applied');
  // Errors come in apply order: the ProviderConfig before the Pool.
  t.match(statusOf(obj, 'errors'), [
    { file: 'manifests/provider.yaml', line: 1, message: /ProviderConfig\/sneaky: cluster-scoped objects can only be synced by a GitRepository in namespace converge-system/ },
    { file: 'manifests/elsewhere.yaml', line: 1, message: /Pool\/foreign: namespace team-b is outside this GitRepository's namespace default/ },
  ]);
  t.equal(await getOrUndefined(client, poolType, 'team-b', 'foreign'), undefined);
  repo.remove('manifests/elsewhere.yaml');
  repo.remove('manifests/provider.yaml');
});
