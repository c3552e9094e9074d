import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { kubectls } from '../helpers/tools.js';
import { runKubectl, startKubectl } from '../helpers/kubectl.js';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const scratch = await mkdtemp(join(tmpdir(), 'converge-kubectl-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, 'empty-kubeconfig');
await writeFile(emptyConfig, '');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version} drives converge serve`, async (t) => {
    const ns = version.replace(/[^a-z0-9]/g, '');
    const env = { KUBECONFIG: emptyConfig };
    const k = (...args: string[]) => runKubectl(kubectl, ['--server', server.url, '-n', ns, ...args], env);

    const empty = await k('get', 'instances');
    t.equal(empty.code, 0, empty.stderr);
    t.match(empty.stderr + empty.stdout, /No resources found/);

    const manifest = join(scratch, `${ns}-web.yaml`);
    await writeFile(manifest, stringify({
      apiVersion: 'converge.io/v1alpha1',
      kind: 'Instance',
      metadata: { name: 'web-1', labels: { app: 'web' } },
      spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 2, memoryMiB: 2048 },
    }));
    const created = await k('create', '-f', manifest);
    t.equal(created.code, 0, created.stderr);
    t.match(created.stdout, /instance\.converge\.io\/web-1 created/);

    // The examples name namespace "default"; a server dry run validates every one of them without writing.
    const fromExamples = await runKubectl(kubectl, ['--server', server.url, 'create', '--dry-run=server', '-f', 'examples/'], env);
    t.equal(fromExamples.code, 0, `create -f examples/: ${fromExamples.stderr}`);
    t.match(fromExamples.stdout, /instance\.converge\.io\/web-1 created \(server dry run\)/);

    const invalid = join(scratch, `${ns}-bad.yaml`);
    await writeFile(invalid, stringify({
      apiVersion: 'converge.io/v1alpha1',
      kind: 'Instance',
      metadata: { name: 'bad-1' },
      spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 2, memoryMiB: '4G' },
    }));
    const rejected = await k('create', '-f', invalid);
    t.not(rejected.code, 0, 'an invalid manifest is rejected');
    t.match(rejected.stderr, /memoryMiB/, `error names the field: ${rejected.stderr}`);

    const table = await k('get', 'instances');
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^NAME\s+/m);
    t.match(table.stdout, /web-1/);
    const short = await k('get', 'inst');
    t.match(short.stdout, /web-1/, 'short name works');

    const yaml = await k('get', 'instance', 'web-1', '-o', 'yaml');
    t.equal(yaml.code, 0, yaml.stderr);
    t.match(yaml.stdout, /kind: Instance/);
    t.match(yaml.stdout, /memoryMiB: 2048/);
    t.match(yaml.stdout, /resourceVersion: "\d+"/);

    const labelled = await k('get', 'instances', '-l', 'app=web', '-o', 'name');
    t.equal(labelled.stdout.trim(), 'instance.converge.io/web-1');

    const watch = startKubectl(kubectl, ['--server', server.url, '-n', ns, 'get', 'instances', '-w', '-o', 'custom-columns=NAME:.metadata.name,VCPUS:.spec.vcpus'], env);
    t.teardown(() => watch.stop());
    await watch.waitFor(/web-1\s+2/);
    const patched = await request(server.url, `/apis/converge.io/v1alpha1/namespaces/${ns}/instances/web-1`, {
      method: 'PATCH',
      json: { spec: { vcpus: 6 } },
      contentType: 'application/merge-patch+json',
    });
    t.equal(patched.status, 200);
    await watch.waitFor(/web-1\s+6/);
    t.pass('kubectl get -w showed the change made meanwhile');
    watch.stop();

    const deleted = await k('delete', 'instance', 'web-1');
    t.equal(deleted.code, 0, deleted.stderr);
    t.match(deleted.stdout, /instance\.converge\.io "web-1" deleted/);
    const gone = await k('get', 'instance', 'web-1');
    t.not(gone.code, 0);
    t.match(gone.stderr, /NotFound|not found/);
  });
}
