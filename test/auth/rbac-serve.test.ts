/**
 * RBAC in `converge serve` as users meet it (issue #8's Done-when): with a token of a group bound to the
 * built-in `view` ClusterRole, kubectl can `get` but `apply` is 403; bound to `edit` in one namespace, apply
 * works there and nowhere else. The binding is made by the admin kubeconfig (system:masters) with kubectl.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runKubectl } from '../helpers/kubectl.js';
import { startRbacServe } from '../helpers/rbac-serve.js';
import { kubectls } from '../helpers/tools.js';

const { dir, serve, token, bind } = await startRbacServe(t, 'converge-rbac-serve-');
await bind(`apiVersion: rbac.authorization.k8s.io/v1
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
`);
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
