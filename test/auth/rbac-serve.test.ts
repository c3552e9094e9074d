/**
 * RBAC in `converge serve` as users meet it (issue #8's Done-when): with a token of a group bound to the
 * built-in `view` ClusterRole, kubectl can `get` but `apply` is 403; bound to `edit` in one namespace, apply
 * works there and nowhere else. The binding is made by the admin kubeconfig (system:masters) with kubectl.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { spawnServe } from '../helpers/cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { runKubectl } from '../helpers/kubectl.js';
import { kubectls } from '../helpers/tools.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-rbac-serve-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');
const serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
t.teardown(() => serve.stop());

async function token(user: string, group: string): Promise<string> {
  const made = await runConverge(['token', 'create', '--data-dir', dataDir, '--user', user, '--group', group]);
  if (made.code !== 0) throw new Error(`token create failed: ${made.stderr}`);
  return made.stdout.trim();
}

const bindings = join(dir, 'bindings.yaml');
await writeFile(
  bindings,
  `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: readers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-edit, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: team}]
`,
);
const [kubectl120] = kubectls();
const admin = await runKubectl(kubectl120?.path ?? 'kubectl', ['apply', '-f', bindings], { KUBECONFIG: serve.kubeconfig });
if (admin.code !== 0) throw new Error(`the admin could not bind: ${admin.stderr}`);
const reader = await token('rita', 'readers');
const member = await token('tom', 'team');
const instance = join(dir, 'instance.yaml');
// examples/instance.yaml without its namespace, so -n decides where it goes.
await writeFile(instance, (await readFile('examples/instance.yaml', 'utf8')).replace(/^ {2}namespace: default\n/m, ''));

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(version, async (t) => {
    const as = (tok: string, ...args: string[]) => runKubectl(kubectl, ['--token', tok, ...args], { KUBECONFIG: serve.kubeconfig });
    const got = await as(reader, 'get', 'instances', '-A');
    t.equal(got.code, 0, `view can get: ${got.stderr}`);
    const applied = await as(reader, 'apply', '-f', 'examples/instance.yaml');
    t.not(applied.code, 0, 'view cannot apply');
    t.match(applied.stderr, /forbidden: User "rita" cannot (get|patch|create) resource "instances" in API group "converge.io"/);
    const secrets = await as(reader, 'get', 'secrets', '-A');
    t.match(secrets.stderr, 'secrets is forbidden: User "rita" cannot list resource "secrets"', 'view cannot read secrets');

    const inTeam = await as(member, 'apply', '-n', 'team-a', '-f', instance);
    t.equal(inTeam.code, 0, `edit applies in its namespace: ${inTeam.stderr}`);
    const elsewhere = await as(member, 'apply', '-n', 'team-b', '-f', instance);
    t.not(elsewhere.code, 0, 'and nowhere else');
    t.match(elsewhere.stderr, /in the namespace "team-b"/);
  });
}
