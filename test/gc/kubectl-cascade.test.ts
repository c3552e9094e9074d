/**
 * Real kubectl (Debian's 1.20 and the one on PATH) against a Converge server running the garbage collector:
 * `kubectl delete pool X --cascade=orphan` keeps the dependents, unowned; `--cascade=foreground` deletes them
 * first, the owner waiting (foregroundDeletion) while a blocking dependent remains; the default (background)
 * deletes the owner at once and the dependents after.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { poolType, secretType } from '../../schemas/index.js';
import { runKubectl } from '../helpers/kubectl.js';
import { kubectls } from '../helpers/tools.js';
import { eventually, getOrUndefined, ownedSecret, pool, refTo, secret, secretGone, startGcEnv } from './helpers.js';

const { client, server } = await startGcEnv(t);
const scratch = await mkdtemp(join(tmpdir(), 'converge-gc-kubectl-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, 'empty-kubeconfig');
await writeFile(emptyConfig, '');

for (const { name: version, path: kubectl } of kubectls()) {
  const ns = `gc-${version.replace(/[^a-z0-9]/g, '')}`;
  const k = (...args: string[]) => runKubectl(kubectl, ['--server', server.url, '-n', ns, ...args], { KUBECONFIG: emptyConfig });
  const poolGone = (name: string) => eventually(async () => (await getOrUndefined(client, poolType, ns, name)) === undefined, `pool ${name} gone`, 15_000);

  t.test(`${version}: delete --cascade=orphan keeps the dependents, unowned`, async (t) => {
    const owner = await client.create(poolType, pool(ns, 'orphaner'));
    await client.create(secretType, ownedSecret(ns, 'orphan-dep', [refTo(owner)]));
    const res = await k('delete', 'pool', 'orphaner', '--cascade=orphan');
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /"orphaner" deleted/);
    await poolGone('orphaner');
    const dep = await secret(client, ns, 'orphan-dep');
    t.ok(dep, 'the dependent is kept');
    t.notOk(dep?.metadata.ownerReferences, 'without the reference to the deleted owner');
  });

  t.test(`${version}: delete --cascade=foreground waits for the blocking dependent`, async (t) => {
    const owner = await client.create(poolType, pool(ns, 'fg'));
    await client.create(secretType, ownedSecret(ns, 'fg-blocker', [refTo(owner, { blockOwnerDeletion: true })], ['test.converge.io/hold']));
    await client.create(secretType, ownedSecret(ns, 'fg-free', [refTo(owner)]));
    const res = await k('delete', 'pool', 'fg', '--cascade=foreground', '--wait=false');
    t.equal(res.code, 0, res.stderr);
    await secretGone(client, ns, 'fg-free');
    await eventually(async () => (await secret(client, ns, 'fg-blocker'))?.metadata.deletionTimestamp !== undefined, 'blocker terminating');
    const got = await k('get', 'pool', 'fg', '-o', 'jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}');
    t.equal(got.code, 0, got.stderr);
    t.match(got.stdout, /foregroundDeletion.* \d{4}-\d\d-\d\dT/, 'the owner is terminating, held by foregroundDeletion');
    await client.patch(secretType, ns, 'fg-blocker', { type: 'merge', body: { metadata: { finalizers: null } } });
    await poolGone('fg');
    t.notOk(await secret(client, ns, 'fg-blocker'));
  });

  t.test(`${version}: delete (background) removes the owner, then its dependents`, async (t) => {
    const owner = await client.create(poolType, pool(ns, 'bg'));
    await client.create(secretType, ownedSecret(ns, 'bg-dep', [refTo(owner)]));
    const res = await k('delete', 'pool', 'bg');
    t.equal(res.code, 0, res.stderr);
    await secretGone(client, ns, 'bg-dep');
  });
}
