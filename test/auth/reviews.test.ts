/**
 * `kubectl auth can-i`, `auth can-i --list` and `auth whoami` against `converge serve`: the review kinds
 * (SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview, SelfSubjectReview) answer with the
 * decision the real request gets, for the admin kubeconfig and for tokens bound to built-in roles; bad review
 * bodies are 422 Status with causes naming the field; reviews are never stored.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import t from 'tap';
import { runKubectl } from '../helpers/kubectl.js';
import { startRbacServe } from '../helpers/rbac-serve.js';
import { serverFetch } from '../helpers/secure-fetch.js';
import { kubectls } from '../helpers/tools.js';

const { serve, token, bind } = await startRbacServe(t, 'converge-reviews-');
await bind(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-edit, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: team}]
`);
const member = await token('tom', 'team');

for (const { name: version, path: kubectl } of kubectls()) {
  t.test(`${version}: auth can-i answers as the real request would be decided`, async (t) => {
    const admin = (...args: string[]) => runKubectl(kubectl, args, { KUBECONFIG: serve.kubeconfig });
    const tom = (...args: string[]) => runKubectl(kubectl, ['--token', member, ...args], { KUBECONFIG: serve.kubeconfig });
    const cases: { who: string; run: typeof admin; args: string[]; yes: boolean }[] = [
      { who: 'admin', run: admin, args: ['create', 'instances', '-n', 'team-b'], yes: true },
      { who: 'admin', run: admin, args: ['delete', 'secrets', '-A'], yes: true },
      { who: 'tom', run: tom, args: ['create', 'instances', '-n', 'team-a'], yes: true },
      { who: 'tom', run: tom, args: ['patch', 'instances/web-1', '-n', 'team-a'], yes: true },
      { who: 'tom', run: tom, args: ['create', 'instances', '-n', 'team-b'], yes: false },
      { who: 'tom', run: tom, args: ['create', 'rolebindings', '-n', 'team-a'], yes: false },
      { who: 'tom', run: tom, args: ['get', 'clusterroles'], yes: false },
      { who: 'tom', run: tom, args: ['get', '/version'], yes: true },
      { who: 'tom', run: tom, args: ['get', '/metrics'], yes: false },
    ];
    for (const c of cases) {
      const answer = await c.run('auth', 'can-i', ...c.args);
      t.equal(answer.stdout.trim().split('\n')[0]?.split(' ')[0], c.yes ? 'yes' : 'no', `${c.who} can-i ${c.args.join(' ')}: ${answer.stdout}${answer.stderr}`);
      t.equal(answer.code, c.yes ? 0 : 1, 'exit code 0 for yes, 1 for no');
    }
    // The real request agrees with the review: tom is refused where can-i said no.
    const refused = await tom('get', 'clusterroles');
    t.match(refused.stderr, /forbidden: User "tom" cannot list resource "clusterroles"/);

    const list = await tom('auth', 'can-i', '--list', '-n', 'team-a');
    t.equal(list.code, 0, list.stderr);
    t.match(list.stdout, /^\s*\*\.converge\.io\s+\[\]\s+\[\]\s+\[get list watch create update patch delete deletecollection\]/m, 'edit in team-a');
    t.match(list.stdout, /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    t.match(list.stdout, /\[\/version\]\s+\[\]\s+\[get\]/);
    const elsewhere = await tom('auth', 'can-i', '--list', '-n', 'team-b');
    t.equal(elsewhere.code, 0, elsewhere.stderr);
    t.notMatch(elsewhere.stdout, /converge\.io/, 'no edit rules outside team-a');
    t.match(elsewhere.stdout, /selfsubjectrulesreviews\.authorization\.k8s\.io/, 'the basic-user rules are listed everywhere');
  });
}

t.test('kubectl auth whoami (current kubectl) names the user and groups of the credentials', async (t) => {
  const current = kubectls()[1]!;
  const admin = await runKubectl(current.path, ['auth', 'whoami', '-o', 'yaml'], { KUBECONFIG: serve.kubeconfig });
  t.equal(admin.code, 0, admin.stderr);
  const adminInfo = (parse(admin.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
  t.equal(adminInfo.username, 'admin');
  t.ok(adminInfo.groups.includes('system:masters'), adminInfo.groups.join(','));
  const tom = await runKubectl(current.path, ['--token', member, 'auth', 'whoami'], { KUBECONFIG: serve.kubeconfig });
  t.equal(tom.code, 0, tom.stderr);
  t.match(tom.stdout, /Username\s+tom/);
  t.match(tom.stdout, /Groups\s+\[team system:authenticated\]/);
  const anonymous = await runKubectl(current.path, ['--token', 'not-a-token', 'auth', 'whoami'], { KUBECONFIG: serve.kubeconfig });
  t.not(anonymous.code, 0, 'a bad token is refused, not answered as someone');
});

t.test('over HTTP: SubjectAccessReview for admins only, bad bodies are 422 with causes, nothing stored', async (t) => {
  const kubeconfig = parse(await readFile(serve.kubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
  const adminToken = kubeconfig.users[0]!.user.token;
  const call = (path: string, tok: string, init: { method?: string; body?: string } = {}) =>
    serverFetch(`${serve.url}${path}`, { ...init, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' } });
  const post = async (path: string, body: unknown, tok: string) => {
    const res = await call(path, tok, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sar = (user: string, groups: string[], namespace: string) => ({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, groups, resourceAttributes: { verb: 'create', group: 'converge.io', resource: 'instances', namespace } },
  });
  const path = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
  const asAdmin = await post(path, sar('tom', ['team'], 'team-a'), adminToken);
  t.equal(asAdmin.status, 201);
  t.same((asAdmin.body['status'] as { allowed: boolean }).allowed, true);
  t.match((asAdmin.body['status'] as { reason: string }).reason, /RoleBinding "team-edit" of ClusterRole "edit" to Group "team" in namespace "team-a"/);
  const outside = await post(path, sar('tom', ['team'], 'team-b'), adminToken);
  t.same(outside.body['status'], { allowed: false });
  const asTom = await post(path, sar('admin', ['system:masters'], 'team-a'), member);
  t.equal(asTom.status, 403, 'asking about others needs create on subjectaccessreviews');

  const self = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const bad: { body: unknown; field: string; message: RegExp }[] = [
    { body: { spec: {} }, field: 'spec.resourceAttributes', message: /exactly one of nonResourceAttributes or resourceAttributes/ },
    { body: { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/version', verb: 'get' } } }, field: 'spec.nonResourceAttributes', message: /cannot be specified in combination/ },
    { body: { spec: { resourceAttributes: { verb: 7 } } }, field: 'spec.resourceAttributes.verb', message: /string/ },
    { body: { kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get' } } }, field: 'kind', message: /must be "SelfSubjectAccessReview"/ },
  ];
  for (const c of bad) {
    const res = await post(self, c.body, member);
    t.equal(res.status, 422, JSON.stringify(c.body));
    const causes = (res.body['details'] as { causes: { field: string; message: string }[] }).causes;
    t.ok(causes.some((x) => x.field === c.field && c.message.test(x.message)), `${c.field}: ${JSON.stringify(causes)}`);
  }
  const notJson = await call(self, member, { method: 'POST', body: '{"spec":' });
  t.equal(notJson.status, 400);
  const listed = await call(self, adminToken);
  t.equal(listed.status, 405, 'reviews are create-only');

  const discovery = await call('/apis/authorization.k8s.io/v1', member);
  const resources = ((await discovery.json()) as { resources: { name: string; verbs: string[] }[] }).resources;
  t.same(resources.map((r) => [r.name, r.verbs]).sort(), [['selfsubjectaccessreviews', ['create']], ['selfsubjectrulesreviews', ['create']], ['subjectaccessreviews', ['create']]]);
});
