import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawn } from 'node:child_process';
import { convergeArgv, repoRoot } from '../helpers/cli.js';
import { startCliFixture } from '../helpers/converge-cli.js';
import { serverFetch } from '../helpers/secure-fetch.js';

const { serve, env, examples, cli } = await startCliFixture(t);


const initial = await cli('apply', '-f', examples);
if (initial.code !== 0) throw new Error(`applying examples failed: ${initial.stderr}`);

t.test('apply conflicts between field managers are explained; --force-conflicts takes over', async (t) => {
  const other = await serverFetch(`${serve.url}/apis/converge.io/v1alpha1/namespaces/default/instances/web-1?fieldManager=ops-team`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'web-1' }, spec: { memoryMiB: 4096 } }),
  });
  t.equal(other.status, 409, 'the other manager conflicts with converge on memoryMiB');
  const forced = await serverFetch(`${serve.url}/apis/converge.io/v1alpha1/namespaces/default/instances/web-1?fieldManager=ops-team&force=true`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'web-1' }, spec: { memoryMiB: 4096 } }),
  });
  t.equal(forced.status, 200);
  const res = await cli('apply', '-f', join(examples, 'instance.yaml'));
  t.equal(res.code, 1);
  t.match(res.stderr, /apply conflict: \.spec\.memoryMiB \(conflict with "ops-team"\)/);
  t.match(res.stderr, /--force-conflicts/);
  const force = await cli('apply', '-f', join(examples, 'instance.yaml'), '--force-conflicts');
  t.equal(force.code, 0, force.stderr);
  const obj = JSON.parse((await cli('get', 'inst', 'web-1', '-o', 'json')).stdout) as { spec: { memoryMiB: number } };
  t.equal(obj.spec.memoryMiB, 2048);
});

t.test('apply --wait waits for Ready, and fails with the reason when an object cannot become Ready', async (t) => {
  const ok = await cli('apply', '-f', join(examples, 'bucket.yaml'), '--wait', '--timeout', '60s');
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stderr, /bucket\.converge\.io\/backups ready/);
  const dir = await mkdtemp(join(tmpdir(), 'converge-wait-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'orphan.yaml'), 'apiVersion: converge.io/v1alpha1\nkind: Bucket\nmetadata:\n  name: no-provider\nspec:\n  providerRef: {name: nowhere}\n');
  const res = await cli('apply', '-f', dir, '--wait', '--timeout', '3s');
  t.equal(res.code, 1);
  t.match(res.stderr, /bucket\.converge\.io\/no-provider not Ready after 3s: Synced=False .*nowhere/);
});

t.test('prune deletes labelled objects that left the manifests', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'converge-prune-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pool = (name: string, cidr: string) => `apiVersion: converge.io/v1alpha1\nkind: Pool\nmetadata:\n  name: ${name}\n  labels: {set: prune-test}\nspec:\n  cidrs: ["${cidr}"]\n---\n`;
  await writeFile(join(dir, 'pools.yaml'), pool('p-one', '10.90.0.0/16') + pool('p-two', '10.91.0.0/16'));
  t.equal((await cli('apply', '-f', dir, '--prune', '-l', 'set=prune-test')).code, 0);
  await writeFile(join(dir, 'pools.yaml'), pool('p-one', '10.90.0.0/16'));
  const res = await cli('apply', '-f', dir, '--prune', '-l', 'set=prune-test');
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /pool\.converge\.io\/p-two pruned/);
  t.equal((await cli('get', 'pool', 'p-two')).code, 1);
  t.equal((await cli('get', 'pool', 'p-one')).code, 0);
  t.equal((await cli('get', 'pool', 'lab')).code, 0, 'unlabelled objects are never pruned');
  const noSelector = await cli('apply', '-f', dir, '--prune');
  t.equal(noSelector.code, 2);
});

t.test('delete -f and delete KIND NAME', async (t) => {
  const res = await cli('delete', '-f', join(examples, 'bucket.yaml'));
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /bucket\.converge\.io "backups" deleted/);
  const again = await cli('delete', 'bucket', 'backups');
  t.equal(again.code, 1);
  t.match(again.stderr, /not found/);
  t.equal((await cli('delete', 'bucket', 'backups', '--ignore-not-found')).code, 0);
});

t.test('describe shows spec, status, conditions and drift sections', async (t) => {
  const res = await cli('describe', 'inst', 'web-1');
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /^Name:\s+web-1$/m);
  t.match(res.stdout, /^Namespace:\s+default$/m);
  t.match(res.stdout, /^Spec:\n(?:  .*\n)*  vcpus: 2$/m);
  t.match(res.stdout, /^Conditions:\n  (Ready|Synced|<none>)/m);
  t.match(res.stdout, /^Drift:\n/m);
  const missing = await cli('describe', 'inst', 'nope');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /not found/);
});

t.test('get -w prints a row for every change', async (t) => {
  const child = spawn(process.execPath, convergeArgv(['get', 'inst', '-w']), { env: { ...process.env, ...env }, cwd: repoRoot });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => child.kill());
  const waitFor = async (re: RegExp) => {
    const start = Date.now();
    while (!re.test(out)) {
      if (Date.now() - start > 20_000) throw new Error(`no match for ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor(/^web-1\s+.*\s2\s+2048\s/m);
  const patched = await serverFetch(`${serve.url}/apis/converge.io/v1alpha1/namespaces/default/instances/web-1`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { vcpus: 5 } }),
  });
  t.equal(patched.status, 200);
  await waitFor(/^web-1\s+.*\s5\s+2048\s/m);
  t.pass('the change made meanwhile appeared');
});

t.test('apply takes core and RBAC kinds next to Converge kinds: a Secret with stringData and a Role', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'converge-core-kinds-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'creds.yaml');
  await writeFile(
    file,
    [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: app-creds, namespace: default}',
      'stringData: {password: not-in-git-please}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: {name: instance-reader, namespace: default}',
      'rules: [{apiGroups: [converge.io], resources: [instances], verbs: [get, list, watch]}]',
    ].join('\n'),
  );
  const applied = await cli('apply', '-f', file);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /secret\/app-creds created/);
  t.match(applied.stdout, /role\.rbac\.authorization\.k8s\.io\/instance-reader created/);
  const secret = JSON.parse((await cli('get', 'secret', 'app-creds', '-o', 'json')).stdout) as { data: { password: string } };
  t.equal(Buffer.from(secret.data.password, 'base64').toString(), 'not-in-git-please');
  const again = await cli('apply', '-f', file);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /secret\/app-creds unchanged/);
});
