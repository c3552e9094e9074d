/**
 * `converge serve --kube` end to end. No kube-apiserver can run here, so `converge serve --api-only` stands in
 * for one (it serves the CRD kinds, Events and Leases the way kube-apiserver does) and the controllers run as
 * separate `--kube` processes through a kubeconfig: the HTTP client code path a pod uses in a cluster. Both
 * replicas and the API server share one simulated cloud (`--sim-state`), as replicas share one real cloud.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { eventType, gitRepositoryType, instanceType, leaseType, networkType, poolType, secretType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { HttpApiClient } from '../../src/client/http.js';
import { createRepo, poolYaml } from '../gitops/helpers.js';
import { spawnServe } from '../helpers/cli.js';
import { runKubectl } from '../helpers/kubectl.js';
import { kubectls } from '../helpers/tools.js';
import { metricSum, spawnKube, until, type KubeReplica } from './helpers.js';

const LEASE_MS = 3000;
/** --lease-duration 3s: a standby retries every 2/15 of it (0.4 s), with up to 1.2× jitter. */
const RETRY_MS = (LEASE_MS * 2) / 15;

const dir = await mkdtemp(join(tmpdir(), 'converge-kube-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const sim = join(dir, 'sim.db');
const api = await spawnServe(['--api-only', '--data-dir', join(dir, 'api'), '--sim-state', sim, '--listen', '127.0.0.1:0']);
t.teardown(() => api.stop());
const kc = new KubeConfig();
kc.loadFromFile(api.kubeconfig);
const client = new HttpApiClient(kc);
t.teardown(() => client.close());

const replicaArgs = ['--kubeconfig', api.kubeconfig, '--sim-state', sim, '--lease-duration', '3s', '--namespace', 'converge-system'];
const replicas = await Promise.all([spawnKube(replicaArgs), spawnKube(replicaArgs)]);
for (const r of replicas) t.teardown(() => r.kill9());

async function holder(): Promise<string | undefined> {
  try {
    const lease = await client.get(leaseType, 'converge-system', 'converge-controllers');
    const id = (lease.spec ?? {})['holderIdentity'];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function scrape(r: KubeReplica, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(r.healthUrl + path);
  return { status: res.status, text: await res.text() };
}

function condition(obj: KubeObject, type: string): string | undefined {
  const conditions = (obj.status?.['conditions'] ?? []) as { type?: string; status?: string }[];
  return conditions.find((c) => c.type === type)?.status;
}

async function ready(type: ResourceType, name: string): Promise<KubeObject> {
  return until(`${type.kind} ${name} Ready`, 30_000, async () => {
    const obj = await client.get(type, 'default', name);
    return condition(obj, 'Ready') === 'True' ? obj : undefined;
  });
}

const create = (type: ResourceType, name: string, spec: Record<string, unknown>) =>
  client.create(type, { apiVersion: 'converge.io/v1alpha1', kind: type.kind, metadata: { name, namespace: 'default' }, spec } as KubeObject);

let leader: KubeReplica;
let standby: KubeReplica;

t.test('two replicas: exactly one leads (the Lease holder); both are live and ready', async (t) => {
  const id = await until('a Lease holder', 15_000, holder);
  const ids = replicas.map((r) => r.identity);
  t.ok(ids.includes(id), `the holder ${id} is one of the replicas ${ids.join(', ')}`);
  leader = replicas.find((r) => r.identity === id)!;
  standby = replicas.find((r) => r.identity !== id)!;
  // Several retry periods later nobody has taken it over.
  await new Promise((r) => setTimeout(r, RETRY_MS * 4));
  t.equal(await holder(), id, 'the holder is stable');
  for (const r of replicas) {
    t.equal((await scrape(r, '/livez')).status, 200, `${r.identity} live`);
    await until(`${r.identity} ready`, 10_000, async () => ((await scrape(r, '/readyz')).status === 200 ? true : undefined));
    const gauge = metricSum((await scrape(r, '/metrics')).text, 'leader_election_master_status');
    t.equal(gauge, r === leader ? 1 : 0, `${r.identity}: leader_election_master_status`);
  }
  t.equal((await scrape(leader, '/nope')).status, 404, 'the probe port serves nothing else');
});

t.test('Instances, Volumes and Networks applied through the API become Ready; only the leader acts', async (t) => {
  await create(networkType, 'net-1', { providerRef: { name: 'default' }, cidr: '10.77.0.0/24' });
  await create(volumeType, 'disk-1', { providerRef: { name: 'default' }, sizeGiB: 5 });
  await create(instanceType, 'vm-1', { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512, pollInterval: '2s' });
  for (const [type, name] of [[networkType, 'net-1'], [volumeType, 'disk-1'], [instanceType, 'vm-1']] as const) {
    const obj = await ready(type, name);
    t.equal(condition(obj, 'Synced'), 'True', `${type.kind} ${name} Synced`);
    t.type(obj.status?.['externalName'], 'string', `${type.kind} ${name} has its external resource`);
  }
  const calls = async (r: KubeReplica) => metricSum((await scrape(r, '/metrics')).text, 'converge_external_calls_total');
  t.ok((await calls(leader)) > 0, 'the leader made the external calls');
  t.equal(await calls(standby), 0, 'the standby made none');
  const events = await client.list(eventType, { namespace: 'default', fieldSelector: 'involvedObject.name=vm-1' });
  t.ok(events.items.length > 0, 'Events are written through the API');
});

t.test('drift injected into the simulated cloud is corrected', async (t) => {
  const vm = await client.get(instanceType, 'default', 'vm-1');
  const external = String(vm.status?.['externalName']);
  const path = `/sim/v1/clouds/default/instances/${external}`;
  await client.request('PATCH', path, { memoryMiB: 1024 });
  const fields = async () => (await client.request<{ fields: Record<string, unknown> }>('GET', path)).fields;
  t.equal((await fields())['memoryMiB'], 1024, 'the change landed in the shared simulated cloud');
  await until('memoryMiB corrected back to 512', 15_000, async () => ((await fields())['memoryMiB'] === 512 ? true : undefined));
  const events = await until('a DriftCorrected event', 5000, async () => {
    const list = await client.list(eventType, { namespace: 'default', fieldSelector: 'involvedObject.name=vm-1,reason=DriftCorrected' });
    return list.items.length > 0 ? list.items : undefined;
  });
  t.match(events[0], { reason: 'DriftCorrected', message: /memoryMiB/ });
});

t.test('GitOps in kube mode: a GitRepository syncs through the API; its push webhook is served on the probe port', async (t) => {
  const repo = createRepo();
  t.teardown(() => repo.cleanup());
  repo.write('manifests/a.yaml', poolYaml('git-a', '10.150.0.0/16'));
  const first = repo.commit('pool a');
  await client.create(secretType, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: 'default' }, stringData: { token: 'kube-hook' } } as KubeObject);
  await client.create(gitRepositoryType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'infra', namespace: 'default' },
    // A long interval: the second commit can only be synced because of the webhook.
    spec: { url: repo.url, ref: { branch: 'main' }, path: 'manifests', interval: '1h', webhook: { secretRef: { name: 'hook' } } },
  });
  const applied = (sha: string, ms: number) =>
    until(`GitRepository synced at ${sha}`, ms, async () => ((await client.get(gitRepositoryType, 'default', 'infra')).status?.['lastAppliedRevision'] === sha ? true : undefined));
  await applied(first, 20_000);
  t.ok(await client.get(poolType, 'default', 'git-a'), 'the leader applied the manifest through the API');

  repo.write('manifests/b.yaml', poolYaml('git-b', '10.151.0.0/16'));
  const second = repo.commit('pool b');
  const deliver = (token: string) =>
    fetch(`${standby.healthUrl}/hooks/v1/gitrepositories/default/infra`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-token': token },
      body: JSON.stringify({ ref: 'refs/heads/main', after: second }),
    });
  t.equal((await deliver('wrong')).status, 403, 'a wrong token is refused');
  t.equal((await deliver('kube-hook')).status, 202, 'the standby accepts a delivery too (it only annotates the object)');
  await applied(second, 5000);
  t.ok(await client.get(poolType, 'default', 'git-b'), 'the pushed commit is synced by the leader');
});

t.test('kubectl 1.20 and current show the Lease holder', async (t) => {
  for (const k of kubectls()) {
    const res = await runKubectl(k.path, ['get', 'leases', '-A'], { KUBECONFIG: api.kubeconfig });
    t.equal(res.code, 0, `${k.name}: ${res.stderr}`);
    t.match(res.stdout, /^NAMESPACE\s+NAME\s+HOLDER\s+AGE$/m, k.name);
    t.match(res.stdout, new RegExp(`^converge-system\\s+converge-controllers\\s+${leader.identity}\\s+\\d+s$`, 'm'), k.name);
  }
});

t.test('kill -9 the leader: the standby takes over within the lease duration and reconciles', async (t) => {
  await leader.kill9();
  const killedAt = Date.now();
  await until('the standby to take the Lease', 15_000, async () => ((await holder()) === standby.identity ? true : undefined));
  const took = Date.now() - killedAt;
  // It may take the Lease once LEASE_MS passed since the last renewal it saw, at its next jittered retry;
  // one more second is slack for a loaded 2-core machine.
  t.ok(took <= LEASE_MS + RETRY_MS * 2.2 + 1000, `took over ${took} ms after the kill (lease ${LEASE_MS} ms)`);
  const lease = await client.get(leaseType, 'converge-system', 'converge-controllers');
  t.equal((lease.spec ?? {})['leaseTransitions'], 1, 'one transition recorded');
  t.equal(metricSum((await scrape(standby, '/metrics')).text, 'leader_election_master_status'), 1);
  await create(instanceType, 'vm-2', { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 256 });
  await ready(instanceType, 'vm-2');
  t.pass('the new leader reconciles');
});

t.test('SIGTERM: the leader releases the Lease and exits 0', async (t) => {
  const code = await standby.stop();
  t.equal(code, 0, standby.output());
  t.equal(await holder(), undefined, 'no holder left: a new replica need not wait for expiry');
});
