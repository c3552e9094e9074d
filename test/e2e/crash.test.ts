/**
 * Crash safety of the controllers: `kill -9` of `converge serve` at 20 random moments while 200 Instances are
 * being applied and created in the simulated cloud (with latency, so kills land between "intent recorded",
 * "create called" and "status written"). After a final restart every Instance must be Ready and the simulated
 * cloud must hold exactly 200 instances, one per object: none leaked by a lost response, none duplicated by
 * a retried create.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { KubeConfig } from '@kubernetes/client-node';
import { instanceType } from '../../schemas/index.js';
import { HttpApiClient } from '../../src/client/http.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { serverFetch } from '../helpers/secure-fetch.js';

const INSTANCES = 200;
const KILLS = 20;

/** mulberry32: a seeded PRNG, so a failing run can be replayed with CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function manifests(): string {
  const docs = [
    `apiVersion: converge.io/v1alpha1
kind: ProviderConfig
metadata: {name: default}
spec: {driver: sim, options: {latencyMs: "200"}, concurrency: {maxConcurrent: 4}}
`,
  ];
  for (let i = 0; i < INSTANCES; i++) {
    docs.push(`apiVersion: converge.io/v1alpha1
kind: Instance
metadata: {name: vm-${String(i).padStart(3, '0')}, namespace: default}
spec: {providerRef: {name: default}, image: debian-12, vcpus: 1, memoryMiB: 64}
`);
  }
  return docs.join('---\n');
}

function clientFor(serve: ServeProcess): HttpApiClient {
  const kc = new KubeConfig();
  kc.loadFromFile(serve.kubeconfig);
  return new HttpApiClient(kc);
}

t.test(`kill -9 ${KILLS} times while ${INSTANCES} Instances are created: none leaked, none duplicated`, async (t) => {
  const seed = Number(process.env['CRASH_SEED'] ?? Date.now() % 1_000_000);
  t.comment(`CRASH_SEED=${seed}`);
  const random = prng(seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-crash-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const yaml = manifests();
  const args = ['--data-dir', dataDir, '--listen', '127.0.0.1:0'];

  const simulatedAtKill: number[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    const serve = await spawnServe(args);
    const env = { KUBECONFIG: serve.kubeconfig };
    if (kill === 0) {
      // The first life dies in the middle of the apply.
      void runConverge(['apply', '-f', '-'], { env, stdin: yaml });
      await new Promise((r) => setTimeout(r, 500 + random() * 1500));
    } else if (kill === 1) {
      // The second finishes the apply (re-applying what the first wrote is a no-op) and dies right after.
      const res = await runConverge(['apply', '-f', '-'], { env, stdin: yaml });
      t.equal(res.code, 0, `apply after the first kill: ${res.stderr}`);
      await new Promise((r) => setTimeout(r, random() * 1000));
    } else {
      await new Promise((r) => setTimeout(r, 500 + random() * 2500));
    }
    const counts = await serverFetch(`${serve.url}/sim/v1`).then((r) => r.json() as Promise<{ clouds: { name: string; resources: { instances: number } }[] }>, () => undefined);
    simulatedAtKill.push(counts === undefined ? -1 : counts.clouds.find((c) => c.name === 'default')?.resources.instances ?? 0);
    await serve.kill9();
  }
  t.comment(`simulated instances at each kill (-1: not measured): ${simulatedAtKill.join(' ')}`);
  t.ok(simulatedAtKill.filter((n) => n > 0 && n < INSTANCES).length >= KILLS / 2, 'most kills landed while instances were being created');

  const serve = await spawnServe(args);
  t.teardown(() => serve.stop());
  const api = clientFor(serve);
  t.teardown(() => api.close());
  const res = await runConverge(['apply', '-f', '-'], { env: { KUBECONFIG: serve.kubeconfig }, stdin: yaml });
  t.equal(res.code, 0, `the final apply succeeds: ${res.stderr}`);

  const deadline = Date.now() + 120_000;
  let ready = 0;
  let items = (await api.list(instanceType, { namespace: 'default' })).items;
  while (Date.now() < deadline) {
    items = (await api.list(instanceType, { namespace: 'default' })).items;
    ready = items.filter((i) => (i.status?.['conditions'] as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready === INSTANCES) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  t.equal(items.length, INSTANCES, `${INSTANCES} Instance objects`);
  t.equal(ready, INSTANCES, 'every Instance is Ready after the last restart');

  const sim = await api.request<{ items: { name: string; fields: { ref?: string } }[] }>('GET', '/sim/v1/clouds/default/instances');
  t.equal(sim.items.length, INSTANCES, `the simulated cloud holds exactly ${INSTANCES} instances`);
  const refs = sim.items.map((i) => i.fields.ref);
  t.equal(new Set(refs).size, INSTANCES, 'one simulated instance per object (no duplicates)');
  const byExternalName = new Map(sim.items.map((i) => [i.name, i.fields.ref]));
  const mismatched = items.filter((i) => byExternalName.get(String(i.status?.['externalName'])) !== `default/${i.metadata.name}`);
  t.same(mismatched.map((i) => i.metadata.name), [], "every object's status.externalName names its own simulated instance");
});
