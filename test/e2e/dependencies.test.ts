// converge serve + the CLI: one file with an Instance and the Volume and Network it uses. apply --wait brings all
// three up (the Instance waits for the other two); a Volume in use is held back from deletion while its Instance
// exists; delete -f removes Instance, Volume and Network, and the simulated cloud reports each external deletion.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startCliFixture, type CliResult } from '../helpers/converge-cli.js';

// The Instance comes first in the file on purpose: apply orders by kind, and the controller waits anyway.
const MANIFEST = `apiVersion: converge.io/v1alpha1
kind: Instance
metadata: {name: web-1, namespace: default}
spec:
  providerRef: {name: default}
  image: debian-12
  vcpus: 1
  memoryMiB: 512
  volumes: [{volumeRef: {name: data-1}}]
  networks: [{networkRef: {name: lan}}]
---
apiVersion: converge.io/v1alpha1
kind: Volume
metadata: {name: data-1, namespace: default}
spec: {providerRef: {name: default}, sizeGiB: 5}
---
apiVersion: converge.io/v1alpha1
kind: Network
metadata: {name: lan, namespace: default}
spec: {providerRef: {name: default}, cidr: 10.77.0.0/24}
`;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface Conditioned {
  metadata: { finalizers?: string[]; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const readyOf = (res: CliResult) => (JSON.parse(res.stdout) as Conditioned).status?.conditions?.find((c) => c.type === 'Ready');

t.test('apply --wait brings up an Instance with its Volume and Network; delete -f removes all three; a Volume in use waits', async (t) => {
  const { cli } = await startCliFixture(t);
  const dir = await mkdtemp(join(tmpdir(), 'converge-deps-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.yaml');
  await writeFile(file, MANIFEST);

  const applied = await cli('apply', '-f', file, '--wait', '--timeout', '90s');
  t.equal(applied.code, 0, applied.stderr);
  for (const ref of ['instance.converge.io/web-1', 'volume.converge.io/data-1', 'network.converge.io/lan']) t.match(applied.stderr, `${ref} ready`);
  const inst = await cli('get', 'inst', 'web-1', '-o', 'json');
  t.match(readyOf(inst), { status: 'True', reason: 'Available' });

  const deleted = await cli('delete', '-f', file, '--timeout', '60s');
  t.equal(deleted.code, 0, deleted.stderr);
  const order = [...deleted.stdout.matchAll(/^(\w+)\.converge\.io "([\w-]+)" deleted$/gm)].map((m) => `${m[1]}/${m[2]}`);
  t.same(order, ['instance/web-1', 'volume/data-1', 'network/lan'], 'users first, then what they use');
  for (const [kind, name] of [['inst', 'web-1'], ['vol', 'data-1'], ['net', 'lan']] as const) {
    const res = await cli('get', kind, name);
    t.equal(res.code, 1, `${kind}/${name} is gone`);
    t.match(res.stderr, /not found/i);
  }

  // The controllers report each external deletion from the simulated cloud, and nothing went wrong.
  const events = await eventually('Deleted events for all three', async () => {
    const res = await cli('events');
    const all = ['instance/web-1', 'volume/data-1', 'network/lan'].every((o) => new RegExp(`Normal\\s+Deleted\\s+${o}\\s+deleted external resource`).test(res.stdout));
    return res.code === 0 && all ? res.stdout : undefined;
  });
  t.notMatch(events, /\bWarning\b/, 'no warning events');

  // Again, then delete the Volume first: it is marked for deletion but kept, saying by whom, until its Instance goes.
  const again = await cli('apply', '-f', file, '--wait', '--timeout', '90s');
  t.equal(again.code, 0, again.stderr);
  const blocked = await cli('delete', 'volume', 'data-1', '--timeout', '2s');
  t.equal(blocked.code, 1, 'waiting for a volume in use times out');
  t.match(blocked.stdout, /volume\.converge\.io "data-1" marked for deletion/);
  t.match(blocked.stderr, /volume\.converge\.io\/data-1: still present after 2s: Ready=False Deleting: in use by Instance default\/web-1; waiting for it to be deleted/);
  const held = await cli('get', 'volume', 'data-1', '-o', 'json');
  t.match(readyOf(held), { status: 'False', reason: 'Deleting', message: 'in use by Instance default/web-1; waiting for it to be deleted' });
  t.ok((JSON.parse(held.stdout) as Conditioned).metadata.finalizers?.includes('converge.io/finalizer'), 'finalizer kept');
  const inst2 = await cli('delete', 'inst', 'web-1', '--timeout', '60s');
  t.equal(inst2.code, 0, inst2.stderr);
  await eventually('data-1 gone once web-1 is', async () => ((await cli('get', 'vol', 'data-1')).code === 1 ? true : undefined));
  t.equal((await cli('delete', 'net', 'lan', '--timeout', '60s')).code, 0);
});
