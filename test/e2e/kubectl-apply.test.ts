import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { kubectls } from '../helpers/tools.js';
import { runKubectl } from '../helpers/kubectl.js';
import { startTestServer } from '../helpers/server.js';
import { repoRoot } from '../helpers/cli.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const scratch = await mkdtemp(join(tmpdir(), 'converge-kubectl-apply-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));
const emptyConfig = join(scratch, 'kubeconfig');
await writeFile(emptyConfig, '');
const instanceYaml = await readFile(join(repoRoot, 'examples/instance.yaml'), 'utf8');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version}: apply, server-side apply, conflicts, diff, explain, wide output`, async (t) => {
    const ns = `apply-${version.replace(/[^a-z0-9]/g, '')}`;
    const k = (...args: string[]) => runKubectl(kubectl, ['--server', server.url, '-n', ns, ...args], { KUBECONFIG: emptyConfig });
    const file = join(scratch, `${ns}.yaml`);
    await writeFile(file, instanceYaml.replace('namespace: default', `namespace: ${ns}`));
    const rv = async () => (await k('get', 'instance', 'web-1', '-o', 'jsonpath={.metadata.resourceVersion}')).stdout;

    const first = await k('apply', '-f', file);
    t.equal(first.code, 0, first.stderr);
    t.match(first.stdout, /instance\.converge\.io\/web-1 created/);
    const rv1 = await rv();
    const second = await k('apply', '-f', file);
    t.equal(second.code, 0, second.stderr);
    t.match(second.stdout, /instance\.converge\.io\/web-1 unchanged/);
    t.equal(await rv(), rv1, 'client-side apply twice: the second is a no-op (resourceVersion unchanged)');

    const edited = join(scratch, `${ns}-edited.yaml`);
    await writeFile(edited, instanceYaml.replace('namespace: default', `namespace: ${ns}`).replace('vcpus: 2', 'vcpus: 4'));
    const diff = await k('diff', '-f', edited);
    t.equal(diff.code, 1, `diff exits 1 when there are differences: ${diff.stderr}`);
    t.match(diff.stdout, /^-\s+vcpus: 2$/m);
    t.match(diff.stdout, /^\+\s+vcpus: 4$/m);
    const same = await k('diff', '-f', file);
    t.equal(same.code, 0, `no differences: ${same.stdout}${same.stderr}`);

    const ssa = await k('apply', '--server-side', '-f', file);
    t.equal(ssa.code, 0, ssa.stderr);
    t.match(ssa.stdout, /serverside-applied/);
    const conflict = await k('apply', '--server-side', '--field-manager', 'ops-team', '-f', edited);
    t.not(conflict.code, 0, 'a second field manager changing an owned field conflicts');
    // Both the client-side apply (Update) and the server-side apply own spec.vcpus by now.
    t.match(conflict.stderr, /Apply failed with 2 conflicts: conflicts with "kubectl"[\s\S]*\.spec\.vcpus[\s\S]*conflicts with "kubectl-client-side-apply"/);
    const forced = await k('apply', '--server-side', '--field-manager', 'ops-team', '--force-conflicts', '-f', edited);
    t.equal(forced.code, 0, forced.stderr);
    t.equal((await k('get', 'instance', 'web-1', '-o', 'jsonpath={.spec.vcpus}')).stdout, '4');
    const managers = (await k('get', 'instance', 'web-1', '-o', 'jsonpath={.metadata.managedFields[*].manager}')).stdout;
    t.match(managers, /ops-team/);

    const explain = await k('explain', 'instance.spec.memoryMiB');
    t.equal(explain.code, 0, explain.stderr);
    t.match(explain.stdout, /Memory in MiB/);

    const wide = await k('get', 'instances', '-o', 'wide');
    t.equal(wide.code, 0, wide.stderr);
    t.match(wide.stdout, /^NAME\s+READY\s+SYNCED\s+STATE\s+VCPUS\s+MEMORY\s+ADDRESS\s+PROVIDER\s+EXTERNAL-NAME\s+HOST\s+IMAGE\s+AGE$/m);
    t.match(wide.stdout, /^web-1\s+4\s+2048\s+default\s+debian-12-genericcloud-amd64\s+\d+s$/m);
  });
}
