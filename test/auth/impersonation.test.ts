/**
 * Impersonation (`kubectl --as`, `--as-group`) against `converge serve`: an admin runs requests as another
 * user and gets that user's answers; a user without the `impersonate` verb is refused in kube's words; a role
 * granting impersonation of one named user allows exactly that; the audit log names both users, the client's
 * user agent and the full request URI.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { AuditEvent } from '../../src/auth/audit/event.js';
import { runKubectl } from '../helpers/kubectl.js';
import { startRbacServe } from '../helpers/rbac-serve.js';
import { serverFetch } from '../helpers/secure-fetch.js';
import { kubectls } from '../helpers/tools.js';

const { serve, dataDir, token, bind } = await startRbacServe(t, 'converge-impersonation-');
await bind(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-edit, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: team}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-tom}
rules: [{apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [tom]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: helpdesk-impersonate-tom}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-tom}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: hana}]
`);
const tom = await token('tom', 'team');
const hana = await token('hana', 'helpdesk');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version}: --as runs the request as that user`, async (t) => {
    const admin = (...args: string[]) => runKubectl(kubectl, args, { KUBECONFIG: serve.kubeconfig });
    const yes = await admin('auth', 'can-i', 'create', 'instances', '-n', 'team-a', '--as=tom', '--as-group=team');
    t.equal(yes.stdout.trim(), 'yes', yes.stderr);
    const no = await admin('auth', 'can-i', 'create', 'instances', '-n', 'team-b', '--as=tom', '--as-group=team');
    t.equal(no.stdout.trim(), 'no', no.stderr);
    const asTom = await admin('get', 'instances', '-n', 'team-b', '--as=tom', '--as-group=team');
    t.not(asTom.code, 0);
    t.match(asTom.stderr, /instances\.converge\.io is forbidden: User "tom" cannot list resource "instances" in API group "converge\.io" in the namespace "team-b"/);
    const listed = await admin('get', 'instances', '-n', 'team-a', '--as=tom', '--as-group=team');
    t.equal(listed.code, 0, listed.stderr);

    const escalate = await runKubectl(kubectl, ['--token', tom, 'get', 'secrets', '-A', '--as=admin', '--as-group=system:masters'], { KUBECONFIG: serve.kubeconfig });
    t.not(escalate.code, 0, 'tom cannot become admin');
    t.match(escalate.stderr, /users "admin" is forbidden: User "tom" cannot impersonate resource "users" in API group "" at the cluster scope/);

    const helpdesk = (...args: string[]) => runKubectl(kubectl, ['--token', hana, ...args], { KUBECONFIG: serve.kubeconfig });
    const allowed = await helpdesk('auth', 'can-i', 'get', 'instances', '-n', 'team-a', '--as=tom');
    t.equal(allowed.stdout.trim(), 'no', `impersonating tom without his groups gives only tom's own grants: ${allowed.stderr}`);
    t.equal(allowed.code, 1);
    const notOthers = await helpdesk('get', 'instances', '-n', 'team-a', '--as=rita');
    t.match(notOthers.stderr, /users "rita" is forbidden: User "hana" cannot impersonate resource "users"/);
    const notGroups = await helpdesk('get', 'instances', '-n', 'team-a', '--as=tom', '--as-group=team');
    t.match(notGroups.stderr, /groups "team" is forbidden: User "hana" cannot impersonate resource "groups"/);
  });
}

t.test('bad impersonation headers are 400s that say why', async (t) => {
  const call = (headers: Record<string, string>) =>
    serverFetch(`${serve.url}/apis/converge.io/v1alpha1/namespaces/team-a/instances`, { headers }).then(async (r) => ({ status: r.status, message: ((await r.json()) as { message: string }).message }));
  const groupsOnly = await call({ 'impersonate-group': 'system:masters' });
  t.equal(groupsOnly.status, 400);
  t.match(groupsOnly.message, /requested impersonation of groups \["system:masters"\] without impersonating a user/);
  const extra = await call({ 'impersonate-user': 'tom', 'impersonate-extra-scopes': 'x' });
  t.equal(extra.status, 400);
  t.match(extra.message, /impersonate-extra-scopes is not supported/);
});

t.test('audit names the real user, the impersonated one, the user agent and the query', async (t) => {
  const current = kubectls()[1]!;
  const run = await runKubectl(current.path, ['get', 'instances', '-n', 'team-a', '--as=tom', '--as-group=team', '-l', 'tier=web'], { KUBECONFIG: serve.kubeconfig });
  t.equal(run.code, 0, run.stderr);
  let found: AuditEvent | undefined;
  for (let i = 0; i < 50 && found === undefined; i++) {
    const text = await readFile(join(dataDir, 'audit.log'), 'utf8').catch(() => '');
    found = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditEvent)
      .find((e) => e.impersonatedUser?.username === 'tom' && e.verb === 'list' && e.requestURI.includes('labelSelector'));
    if (found === undefined) await sleep(100);
  }
  t.ok(found, 'an audit event for the impersonated list');
  t.equal(found?.user.username, 'admin');
  t.same(found?.impersonatedUser, { username: 'tom', groups: ['team', 'system:authenticated'] });
  t.match(found?.userAgent ?? '', /^kubectl\//);
  t.match(found?.requestURI ?? '', /^\/apis\/converge\.io\/v1alpha1\/namespaces\/team-a\/instances\?.*labelSelector=tier%3Dweb/);
});
