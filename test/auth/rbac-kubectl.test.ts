/**
 * Unmodified kubectl (1.20 and current) manages RBAC on Converge: `create role`, `create rolebinding`,
 * `get roles` / `get rolebindings -o wide` with kube's columns, and the grant takes effect for the bound user.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runKubectl } from '../helpers/kubectl.js';
import { kubectls } from '../helpers/tools.js';
import { eventually, startRbacServer } from './rbac-helpers.js';

const s = await startRbacServer();
t.teardown(() => s.stop());
const dir = await mkdtemp(join(tmpdir(), 'converge-rbac-kubectl-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

async function bindingFile(namespace: string): Promise<string> {
  const path = join(dir, `${namespace}.yaml`);
  await writeFile(
    path,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: inst-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
`,
  );
  return path;
}

for (const [i, { name: version, path: kubectl }] of kubectls().entries()) {
  t.test(version, async (t) => {
    const ns = `team-k${i}`;
    // The test server's stand-in authenticator reads --as/--as-group (kubectl sends no token over plain HTTP).
    const as = (user: string, ...args: string[]) => runKubectl(kubectl, ['--server', s.server.url, '--as', user, '-n', ns, ...args]);
    const root = (...args: string[]) => runKubectl(kubectl, ['--server', s.server.url, '--as', 'root', '--as-group', 'system:masters', '-n', ns, ...args]);

    const role = await root('create', 'role', 'inst-reader', '--verb=get,list,watch', '--resource=instances');
    t.equal(role.code, 0, role.stderr);
    t.match(role.stdout, 'role.rbac.authorization.k8s.io/inst-reader created');
    // kubectl ≥ 1.2x sends `create rolebinding` as protobuf (src/apiserver/protobuf/), kubectl 1.20 as JSON.
    const bound = await root('create', 'rolebinding', 'alice-reads', '--role=inst-reader', '--user=alice', '--group=auditors', '--serviceaccount=team:robot');
    t.equal(bound.code, 0, bound.stderr);
    t.match(bound.stdout, /rolebinding.rbac.authorization.k8s.io\/alice-reads created/);
    const stored = JSON.parse((await root('get', 'rolebinding', 'alice-reads', '-o', 'json')).stdout) as { metadata: { namespace: string }; roleRef: unknown; subjects: unknown };
    t.equal(stored.metadata.namespace, ns);
    t.same(stored.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'inst-reader' });
    t.same(stored.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'auditors' },
      { apiGroup: '', kind: 'ServiceAccount', name: 'robot', namespace: 'team' },
    ]);
    // Client-side apply of the one-subject manifest sends a strategic merge patch, which replaces the list.
    const applied = await root('apply', '-f', await bindingFile(ns));
    t.equal(applied.code, 0, applied.stderr);
    const after = JSON.parse((await root('get', 'rolebinding', 'alice-reads', '-o', 'json')).stdout) as { subjects: unknown };
    t.same(after.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }]);

    const roles = await root('get', 'roles');
    t.equal(roles.code, 0, roles.stderr);
    t.match(roles.stdout, /^NAME\s+CREATED AT\ninst-reader\s+\d{4}-\d\d-\d\dT/);
    const wide = await root('get', 'rolebindings', '-o', 'wide');
    t.equal(wide.code, 0, wide.stderr);
    t.match(wide.stdout, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\nalice-reads\s+inst-reader\s+\S+\s+alice\s/);

    await eventually(async () => (await as('alice', 'get', 'instances')).code === 0);
    const reads = await as('alice', 'get', 'instances');
    t.match(reads.stderr, 'No resources found');
    const secrets = await as('alice', 'get', 'secrets');
    t.not(secrets.code, 0);
    t.match(secrets.stderr, 'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace');
    const escalate = await as('alice', 'create', 'role', 'more', '--verb=get', '--resource=secrets');
    t.not(escalate.code, 0, 'alice may not write roles at all');
  });
}
