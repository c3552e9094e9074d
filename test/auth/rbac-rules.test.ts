/**
 * Kubernetes RBAC rule semantics, table-driven: wildcards, `resource/subresource` and `*` + `/subresource`,
 * resourceNames (never for list/watch/create), non-resource URL prefixes, binding subjects (users, groups,
 * service accounts), RoleBindings granting ClusterRoles in one namespace, aggregation, and the coverage
 * check behind escalation refusals.
 */
import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import type { PolicyRule } from '../../schemas/rbac.js';
import { RbacAuthorizer, compactRuleString, ruleAllows, uncoveredRules, type RbacObjects } from '../../src/auth/rbac/index.js';
import type { RequestAttributes, UserInfo } from '../../src/auth/types.js';

const bob: UserInfo = { name: 'bob', groups: ['devs', 'system:authenticated'] };
const resource = (verb: string, group: string, res: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  user: bob, verb, resourceRequest: true, group, resource: res, path: '', ...extra,
});
const url = (verb: string, path: string): RequestAttributes => ({ user: bob, verb, resourceRequest: false, group: '', resource: '', path });

t.test('ruleAllows', async (t) => {
  const cases: { name: string; rule: PolicyRule; request: RequestAttributes; allowed: boolean }[] = [
    { name: 'exact match', rule: { apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get'] }, request: resource('get', 'converge.io', 'instances'), allowed: true },
    { name: 'other verb', rule: { apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get'] }, request: resource('list', 'converge.io', 'instances'), allowed: false },
    { name: 'other group', rule: { apiGroups: [''], resources: ['instances'], verbs: ['get'] }, request: resource('get', 'converge.io', 'instances'), allowed: false },
    { name: 'verb *', rule: { apiGroups: ['converge.io'], resources: ['instances'], verbs: ['*'] }, request: resource('deletecollection', 'converge.io', 'instances'), allowed: true },
    { name: 'group and resource *', rule: { apiGroups: ['*'], resources: ['*'], verbs: ['get'] }, request: resource('get', '', 'secrets', { subresource: 'status' }), allowed: true },
    { name: 'the object is not its subresource', rule: { apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get'] }, request: resource('get', 'converge.io', 'instances', { subresource: 'status' }), allowed: false },
    { name: 'resource/subresource', rule: { apiGroups: ['converge.io'], resources: ['instances/status'], verbs: ['update'] }, request: resource('update', 'converge.io', 'instances', { subresource: 'status' }), allowed: true },
    { name: '*/subresource', rule: { apiGroups: ['converge.io'], resources: ['*/status'], verbs: ['get'] }, request: resource('get', 'converge.io', 'volumes', { subresource: 'status' }), allowed: true },
    { name: '*/subresource is not the object', rule: { apiGroups: ['converge.io'], resources: ['*/status'], verbs: ['get'] }, request: resource('get', 'converge.io', 'volumes'), allowed: false },
    { name: 'resourceNames: named get', rule: { apiGroups: [''], resources: ['secrets'], resourceNames: ['creds'], verbs: ['get', 'list'] }, request: resource('get', '', 'secrets', { name: 'creds' }), allowed: true },
    { name: 'resourceNames: other name', rule: { apiGroups: [''], resources: ['secrets'], resourceNames: ['creds'], verbs: ['get'] }, request: resource('get', '', 'secrets', { name: 'other' }), allowed: false },
    { name: 'resourceNames never allow list', rule: { apiGroups: [''], resources: ['secrets'], resourceNames: ['creds'], verbs: ['list'] }, request: resource('list', '', 'secrets'), allowed: false },
    { name: 'resourceNames never allow create', rule: { apiGroups: [''], resources: ['secrets'], resourceNames: ['creds'], verbs: ['create'] }, request: resource('create', '', 'secrets'), allowed: false },
    { name: 'non-resource exact', rule: { nonResourceURLs: ['/version'], verbs: ['get'] }, request: url('get', '/version'), allowed: true },
    { name: 'non-resource prefix *', rule: { nonResourceURLs: ['/apis/*'], verbs: ['get'] }, request: url('get', '/apis/converge.io/v1alpha1'), allowed: true },
    { name: 'non-resource prefix is not the parent', rule: { nonResourceURLs: ['/apis/*'], verbs: ['get'] }, request: url('get', '/apis'), allowed: false },
    { name: 'non-resource verb', rule: { nonResourceURLs: ['*'], verbs: ['get'] }, request: url('post', '/version'), allowed: false },
    { name: 'resource rules do not match URLs', rule: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, request: url('get', '/metrics'), allowed: false },
    { name: 'URL rules do not match resources', rule: { nonResourceURLs: ['*'], verbs: ['*'] }, request: resource('get', '', 'secrets'), allowed: false },
  ];
  for (const c of cases) t.equal(ruleAllows(c.request, c.rule), c.allowed, c.name);
});

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });
const obj = (kind: string, body: Record<string, unknown>) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, ...body }) as unknown as KubeObject;
const ref = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });

/** A fixed set of RBAC objects (the authorizer's cache interface). */
function objects(list: KubeObject[]): RbacObjects {
  const of = (kind: string) => list.filter((o) => o.kind === kind);
  return {
    clusterRoleBindings: () => of('ClusterRoleBinding'),
    roleBindings: (ns) => of('RoleBinding').filter((o) => o.metadata.namespace === ns),
    clusterRoles: () => of('ClusterRole'),
    clusterRole: (name) => of('ClusterRole').find((o) => o.metadata.name === name),
    role: (ns, name) => of('Role').find((o) => o.metadata.namespace === ns && o.metadata.name === name),
  };
}

t.test('bindings and subjects', async (t) => {
  const authorizer = new RbacAuthorizer(
    objects([
      obj('ClusterRole', { metadata: meta('reader'), rules: [{ apiGroups: ['converge.io'], resources: ['*'], verbs: ['get'] }] }),
      obj('ClusterRole', { metadata: meta('writer'), rules: [{ apiGroups: ['converge.io'], resources: ['*'], verbs: ['create'] }] }),
      obj('ClusterRole', { metadata: meta('gather', undefined, {}), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg': 'yes' } }] }, rules: [] }),
      obj('ClusterRole', { metadata: meta('piece', undefined, { agg: 'yes' }), rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }),
      obj('Role', { metadata: meta('local', 'a'), rules: [{ apiGroups: ['converge.io'], resources: ['pools'], verbs: ['delete'] }] }),
      obj('ClusterRoleBinding', { metadata: meta('devs-read'), roleRef: ref('ClusterRole', 'reader'), subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }] }),
      obj('RoleBinding', { metadata: meta('bob-writes', 'a'), roleRef: ref('ClusterRole', 'writer'), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }),
      obj('RoleBinding', { metadata: meta('bob-local', 'a'), roleRef: ref('Role', 'local'), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }),
      obj('RoleBinding', { metadata: meta('sa', 'b'), roleRef: ref('ClusterRole', 'writer'), subjects: [{ kind: 'ServiceAccount', apiGroup: '', name: 'robot' }] }),
      obj('ClusterRoleBinding', { metadata: meta('gathered'), roleRef: ref('ClusterRole', 'gather'), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'agg-user' }] }),
      obj('RoleBinding', { metadata: meta('dangling', 'c'), roleRef: ref('Role', 'gone'), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }),
    ]),
  );
  const robot: UserInfo = { name: 'system:serviceaccount:b:robot', groups: [] };
  const cases: { name: string; request: RequestAttributes; allowed: boolean; reason?: RegExp }[] = [
    { name: 'group binding applies everywhere', request: resource('get', 'converge.io', 'instances', { namespace: 'z' }), allowed: true, reason: /ClusterRoleBinding "devs-read" of ClusterRole "reader" to Group "devs"/ },
    { name: 'and cluster-wide', request: resource('get', 'converge.io', 'providerconfigs'), allowed: true },
    { name: 'RoleBinding of a ClusterRole grants it in its namespace', request: resource('create', 'converge.io', 'instances', { namespace: 'a' }), allowed: true, reason: /RoleBinding "bob-writes" .* in namespace "a"/ },
    { name: 'only there', request: resource('create', 'converge.io', 'instances', { namespace: 'b' }), allowed: false },
    { name: 'not cluster-wide', request: resource('create', 'converge.io', 'providerconfigs'), allowed: false },
    { name: 'RoleBinding of a Role', request: resource('delete', 'converge.io', 'pools', { namespace: 'a', name: 'p' }), allowed: true },
    { name: 'service account subject', request: { ...resource('create', 'converge.io', 'instances', { namespace: 'b' }), user: robot }, allowed: true },
    { name: 'service account elsewhere', request: { ...resource('create', 'converge.io', 'instances', { namespace: 'a' }), user: robot }, allowed: false },
    { name: 'aggregated ClusterRole holds selected rules', request: { ...resource('list', '', 'secrets', { namespace: 'q' }), user: { name: 'agg-user', groups: [] } }, allowed: true },
    { name: 'a binding to a missing role says so', request: resource('get', '', 'secrets', { namespace: 'c', name: 's' }), allowed: false, reason: /RoleBinding "dangling": role.rbac.authorization.k8s.io "gone" not found/ },
    { name: 'system:masters may do anything', request: { ...resource('escalate', 'rbac.authorization.k8s.io', 'roles'), user: { name: 'root', groups: ['system:masters'] } }, allowed: true },
  ];
  for (const c of cases) {
    const decision = await authorizer.authorize(c.request);
    t.equal(decision.allowed, c.allowed, c.name);
    if (c.reason !== undefined) t.match(decision.reason, c.reason, `${c.name}: reason`);
  }
});

t.test('uncoveredRules: what a role grants beyond what its writer holds', async (t) => {
  const held: PolicyRule[] = [
    { apiGroups: ['converge.io'], resources: ['*'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['mine'], verbs: ['get'] },
    { apiGroups: ['converge.io'], resources: ['*/status'], verbs: ['update'] },
    { nonResourceURLs: ['/apis/*'], verbs: ['get'] },
  ];
  const cases: { name: string; requested: PolicyRule[]; missing: string[] }[] = [
    { name: 'subset', requested: [{ apiGroups: ['converge.io'], resources: ['instances', 'pools'], verbs: ['get'] }], missing: [] },
    { name: 'extra verb', requested: [{ apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get', 'delete'] }], missing: ['{APIGroups:["converge.io"], Resources:["instances"], Verbs:["delete"]}'] },
    { name: '* is not covered by a verb list', requested: [{ apiGroups: ['converge.io'], resources: ['instances'], verbs: ['*'] }], missing: ['{APIGroups:["converge.io"], Resources:["instances"], Verbs:["*"]}'] },
    { name: 'named secret', requested: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['mine'], verbs: ['get'] }], missing: [] },
    { name: 'all secrets', requested: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], missing: ['{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}'] },
    { name: '*/status covers instances/status', requested: [{ apiGroups: ['converge.io'], resources: ['instances/status'], verbs: ['update'] }], missing: [] },
    { name: 'URL prefix', requested: [{ nonResourceURLs: ['/apis/converge.io'], verbs: ['get'] }], missing: [] },
    { name: 'URL outside the prefix', requested: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], missing: ['{NonResourceURLs:["/metrics"], Verbs:["get"]}'] },
  ];
  for (const c of cases) t.same(uncoveredRules(held, c.requested).map(compactRuleString), c.missing, c.name);
});

t.test('the built-in roles: view reads, edit writes, admin manages roles, controllers get only what they use', async (t) => {
  const { bootstrapPolicy, CONTROLLERS_USER } = await import('../../src/auth/rbac/index.js');
  const bound = (extra: KubeObject[]) => new RbacAuthorizer(objects([...bootstrapPolicy, ...extra]));
  const grant = (role: string, user: string, namespace?: string) =>
    obj(namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding', {
      metadata: meta(`${user}-${role}`, namespace),
      roleRef: ref('ClusterRole', role),
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
    });
  const authorizer = bound([grant('view', 'v'), grant('edit', 'e', 'ns'), grant('admin', 'a', 'ns')]);
  const as = (name: string, a: RequestAttributes): RequestAttributes => ({ ...a, user: { name, groups: ['system:authenticated'] } });
  const inNs = { namespace: 'ns' };
  const cases: [string, RequestAttributes, boolean][] = [
    ['view lists instances', as('v', resource('list', 'converge.io', 'instances', inNs)), true],
    ['view watches events', as('v', resource('watch', '', 'events', inNs)), true],
    ['view reads journals', as('v', resource('get', 'converge.io', 'instances', { ...inNs, name: 'x', subresource: 'journal' })), true],
    ['view cannot read secrets', as('v', resource('get', '', 'secrets', { ...inNs, name: 'x' })), false],
    ['view cannot write', as('v', resource('patch', 'converge.io', 'instances', { ...inNs, name: 'x' })), false],
    ['edit writes instances', as('e', resource('create', 'converge.io', 'instances', inNs)), true],
    ['edit writes secrets', as('e', resource('deletecollection', '', 'secrets', inNs)), true],
    ['edit cannot write roles', as('e', resource('create', 'rbac.authorization.k8s.io', 'roles', inNs)), false],
    ['admin writes rolebindings', as('a', resource('create', 'rbac.authorization.k8s.io', 'rolebindings', inNs)), true],
    ['admin cannot escalate', as('a', resource('escalate', 'rbac.authorization.k8s.io', 'roles', inNs)), false],
    ['admin in ns is not cluster admin', as('a', resource('create', 'converge.io', 'providerconfigs')), false],
    ['everyone may discover', as('nobody', url('get', '/apis/converge.io/v1alpha1')), true],
    ['but not read metrics', as('nobody', url('get', '/metrics')), false],
    ['controllers watch every kind cluster-wide', as(CONTROLLERS_USER, resource('watch', 'converge.io', 'ipallocations')), true],
    ['controllers write status', as(CONTROLLERS_USER, resource('patch', 'converge.io', 'networks', { ...inNs, name: 'n', subresource: 'status' })), true],
    ['controllers read secrets', as(CONTROLLERS_USER, resource('list', '', 'secrets')), true],
    ['controllers never write secrets', as(CONTROLLERS_USER, resource('update', '', 'secrets', { ...inNs, name: 's' })), false],
    ['controllers renew leases', as(CONTROLLERS_USER, resource('update', 'coordination.k8s.io', 'leases', { namespace: 'converge-system', name: 'l' })), true],
    ['controllers record events', as(CONTROLLERS_USER, resource('create', '', 'events', inNs)), true],
    ['controllers cannot touch RBAC', as(CONTROLLERS_USER, resource('create', 'rbac.authorization.k8s.io', 'clusterrolebindings')), false],
  ];
  for (const [name, request, allowed] of cases) t.equal(authorizer.decide(request).allowed, allowed, name);
});
