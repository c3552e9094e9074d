/**
 * Real kubectl against the server `converge serve` runs: `kubectl create secret generic`, `get -o yaml`
 * (base64 data, type Opaque, no stringData), the NAME/TYPE/DATA/AGE table, `describe` (sizes, not values),
 * `apply --server-side` and client-side `apply` (a strategic merge patch) with stringData.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { runKubectl } from '../helpers/kubectl.js';
import { startTestServer } from '../helpers/server.js';
import { kubectls } from '../helpers/tools.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const scratch = await mkdtemp(join(tmpdir(), 'converge-kubectl-secret-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, 'empty-kubeconfig');
await writeFile(emptyConfig, '');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version}: create secret generic, get, describe, apply --server-side`, async (t) => {
    const ns = version.replace(/[^a-z0-9]/g, '');
    const k = (...args: string[]) => runKubectl(kubectl, ['--server', server.url, '-n', ns, ...args], { KUBECONFIG: emptyConfig });

    const created = await k('create', 'secret', 'generic', 's3-creds', '--from-literal=accessKeyId=AKIAEXAMPLE', '--from-literal=secretAccessKey=wJalr XUtn/K7MDENG');
    t.equal(created.code, 0, created.stderr);
    t.match(created.stdout, /secret\/s3-creds created/);

    const yaml = await k('get', 'secret', 's3-creds', '-o', 'yaml');
    t.equal(yaml.code, 0, yaml.stderr);
    const got = parse(yaml.stdout) as Record<string, unknown>;
    t.match(got, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 's3-creds', namespace: ns } });
    t.same(got['data'], { accessKeyId: b64('AKIAEXAMPLE'), secretAccessKey: b64('wJalr XUtn/K7MDENG') });
    t.notOk('stringData' in got);

    const table = await k('get', 'secrets');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^NAME\s+TYPE\s+DATA\s+AGE$/m);
    t.match(table.stdout, /^s3-creds\s+Opaque\s+2\s+\d+s$/m);

    const described = await k('describe', 'secret', 's3-creds');
    t.equal(described.code, 0, described.stderr);
    t.match(described.stdout, /accessKeyId:\s+11 bytes/);
    t.notMatch(described.stdout, /AKIAEXAMPLE/, 'describe shows sizes, not values');

    const manifest = join(scratch, `${ns}-token.yaml`);
    const apply = async (token: string) => {
      await writeFile(manifest, stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { token } }));
      return k('apply', '--server-side', '-f', manifest);
    };
    for (const token of ['first', 'second']) {
      const applied = await apply(token);
      t.equal(applied.code, 0, applied.stderr);
      const value = await k('get', 'secret', 'token', '-o', 'jsonpath={.data.token}');
      t.equal(value.stdout, b64(token), `apply --server-side set token to ${token}`);
    }

    // Client-side apply of an existing Secret sends a strategic merge patch (the 3-way diff of the manifest).
    const clientSide = join(scratch, `${ns}-client.yaml`);
    for (const [i, stringData] of [{ user: 'u1', pass: 'p1' }, { user: 'u2' }].entries()) {
      await writeFile(clientSide, stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client-side' }, stringData }));
      const applied = await k('apply', '-f', clientSide);
      t.equal(applied.code, 0, applied.stderr);
      t.match(applied.stdout, i === 0 ? /secret\/client-side created/ : /secret\/client-side configured/);
    }
    const data = await k('get', 'secret', 'client-side', '-o', 'jsonpath={.data}');
    t.match(data.stdout, new RegExp(`"user":"${b64('u2')}"`), 'second kubectl apply changed user');

    const bad = join(scratch, `${ns}-bad.yaml`);
    await writeFile(bad, stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' }, data: { key: 'not*base64' } }));
    const rejected = await k('create', '-f', bad, '--validate=false');
    t.not(rejected.code, 0, 'invalid base64 is rejected');
    t.match(rejected.stderr, /data\[key\].*illegal base64 data/);
  });
}
