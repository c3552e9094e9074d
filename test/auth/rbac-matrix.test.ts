/**
 * The RBAC matrix of issue #8: users × verbs × kinds × namespaces against a real server authorized by RBAC.
 * Every denied request is a 403 and leaves the store revision where it was (nothing written); every allowed
 * one succeeds; a denied watch is refused before any event streams. Escalation: a user cannot write a role
 * granting, or bind a role holding, permissions they do not hold (unless allowed `escalate` / `bind`).
 */
import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { clusterRoleBindingType, clusterRoleType, instanceType, providerConfigType, roleBindingType, roleType, secretType } from '../../schemas/index.js';
import type { ResourceType } from '../../schemas/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { eventually, startRbacServer } from './rbac-helpers.js';

const s = await startRbacServer();
t.teardown(() => s.stop());

const RBAC = 'rbac.authorization.k8s.io';
const ROOT = 'root:system:masters';
const EDITOR = 'editor';
const VIEWER = 'viewer';
const NAMED = 'named';
const NOBODY = 'nobody';

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, role: { kind: 'Role' | 'ClusterRole'; name: string }, user: string, namespace?: string) =>
  ({
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
    roleRef: { apiGroup: RBAC, ...role },
    subjects: [{ kind: 'User', apiGroup: RBAC, name: user }],
  }) as unknown as KubeObject;
const role = (name: string, namespace: string, rules: unknown[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules }) as unknown as KubeObject;

// The matrix users' grants (the root user is in system:masters; nobody has no binding at all).
// A ClusterRole, granted in team-a only by a RoleBinding (the matrix itself deletes Roles in team-a).
await s.client.create(clusterRoleType, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'web-only' }, rules: [{ apiGroups: ['converge.io'], resources: ['instances'], resourceNames: ['web'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] }] } as unknown as KubeObject);
const grants = [
  binding('RoleBinding', 'editor-edit', { kind: 'ClusterRole', name: 'edit' }, EDITOR, 'team-a'),
  binding('ClusterRoleBinding', 'viewer-view', { kind: 'ClusterRole', name: 'view' }, VIEWER),
  binding('RoleBinding', 'named-web-only', { kind: 'ClusterRole', name: 'web-only' }, NAMED, 'team-a'),
];
for (const g of grants) await s.client.create(g.metadata.namespace !== undefined ? roleBindingType : clusterRoleBindingType, g);
await eventually(async () => (await s.call(NAMED, 'GET', '/apis/converge.io/v1alpha1/namespaces/team-a/instances/web')).status !== 403);

/** One object kind at one scope, with a fixture named `web` (fixture bodies as a root user would write them). */
interface Target {
  readonly label: string;
  readonly type: ResourceType;
  readonly namespace?: string;
  body(name: string): KubeObject;
}
const instance = (namespace: string): Target => ({
  label: `Instance in ${namespace}`,
  type: instanceType,
  namespace,
  body: (name) => ({ apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name, namespace }, spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 64 } }),
});
const secret = (namespace: string): Target => ({
  label: `Secret in ${namespace}`,
  type: secretType,
  namespace,
  body: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { token: 'not-for-everyone' } }) as unknown as KubeObject,
});
const roleTarget = (namespace: string): Target => ({
  label: `Role in ${namespace}`,
  type: roleType,
  namespace,
  body: (name) => role(name, namespace, [{ apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get'] }]),
});
const providerConfig: Target = {
  label: 'ProviderConfig (cluster-scoped)',
  type: providerConfigType,
  body: (name) => ({ apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name }, spec: { driver: 'sim' } }),
};
const targets: Target[] = [instance('team-a'), instance('team-b'), secret('team-a'), secret('team-b'), roleTarget('team-a'), roleTarget('team-b'), providerConfig];

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
type Verb = (typeof VERBS)[number];
const READS: readonly Verb[] = ['get', 'list', 'watch'];

/** What each user may do to a target: the expected outcome of every cell. */
const users: { token: string; label: string; may(verb: Verb, target: Target): boolean }[] = [
  { token: ROOT, label: 'system:masters', may: () => true },
  { token: EDITOR, label: 'edit in team-a', may: (_v, x) => x.namespace === 'team-a' && (x.type === instanceType || x.type === secretType) },
  { token: VIEWER, label: 'view cluster-wide', may: (v, x) => READS.includes(v) && (x.type === instanceType || x.type === providerConfigType) },
  {
    token: NAMED,
    label: 'resourceNames [web] granted in team-a',
    may: (v, x) => x.namespace === 'team-a' && x.type === instanceType && ['get', 'update', 'patch', 'delete'].includes(v),
  },
  { token: NOBODY, label: 'no bindings', may: () => false },
];

function collectionPath(x: Target): string {
  const base = x.type.group === '' ? `/api/${x.type.version}` : `/apis/${x.type.group}/${x.type.version}`;
  return `${base}${x.namespace !== undefined ? `/namespaces/${x.namespace}` : ''}/${x.type.plural}`;
}

async function stored(x: Target, name: string): Promise<KubeObject | undefined> {
  try {
    return await s.client.get(x.type, x.namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Puts the target back to exactly one fixture `web` (as trusted in-process code). */
async function reset(x: Target): Promise<void> {
  for (const obj of (await s.client.list(x.type, x.namespace !== undefined ? { namespace: x.namespace } : {})).items) {
    if (obj.metadata.name !== 'web' && !(x.type === providerConfigType && obj.metadata.name === 'default')) await s.client.delete(x.type, x.namespace, obj.metadata.name);
  }
  if ((await stored(x, 'web')) === undefined) await s.client.create(x.type, x.body('web'));
}

/** Sends one verb; resolves the HTTP status (a watch is read only up to its response headers). */
async function send(token: string, verb: Verb, x: Target): Promise<number> {
  const collection = collectionPath(x);
  const item = `${collection}/web`;
  switch (verb) {
    case 'get':
      return (await s.call(token, 'GET', item)).status;
    case 'list':
      return (await s.call(token, 'GET', collection)).status;
    case 'watch': {
      const abort = new AbortController();
      const res = await fetch(`${s.server.url}${collection}?watch=1`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
      if (res.status === 403) t.match(await res.json(), { kind: 'Status', reason: 'Forbidden' }, 'a denied watch is a Status, not a stream');
      abort.abort();
      return res.status;
    }
    case 'create':
      return (await s.call(token, 'POST', collection, x.body('new'))).status;
    case 'update': {
      const current = await stored(x, 'web');
      const body = { ...x.body('web'), metadata: { ...x.body('web').metadata, labels: { touched: 'put' }, resourceVersion: current?.metadata.resourceVersion } };
      return (await s.call(token, 'PUT', item, body)).status;
    }
    case 'patch':
      return (await s.call(token, 'PATCH', item, { metadata: { labels: { touched: 'patch' } } }, 'application/merge-patch+json')).status;
    case 'delete':
      return (await s.call(token, 'DELETE', item)).status;
    case 'deletecollection':
      return (await s.call(token, 'DELETE', collection)).status;
  }
}

/** Whether an allowed verb did what it says (reads always have). */
async function took(verb: Verb, x: Target): Promise<boolean> {
  switch (verb) {
    case 'create':
      return (await stored(x, 'new')) !== undefined;
    case 'update':
      return (await stored(x, 'web'))?.metadata.labels?.['touched'] === 'put';
    case 'patch':
      return (await stored(x, 'web'))?.metadata.labels?.['touched'] === 'patch';
    case 'delete':
      return (await stored(x, 'web')) === undefined;
    case 'deletecollection':
      return (await s.client.list(x.type, x.namespace !== undefined ? { namespace: x.namespace } : {})).items.length === 0;
    default:
      return true;
  }
}

for (const user of users) {
  t.test(`${user.label}`, async (t) => {
    for (const x of targets) {
      await reset(x);
      for (const verb of VERBS) {
        const allowed = user.may(verb, x);
        const before = await s.revision();
        const status = await send(user.token, verb, x);
        if (allowed) {
          t.ok(status >= 200 && status < 300, `${verb} ${x.label}: allowed (${status})`);
          t.ok(await took(verb, x), `${verb} ${x.label}: took effect`);
        } else {
          t.equal(status, 403, `${verb} ${x.label}: 403`);
          t.equal(await s.revision(), before, `${verb} ${x.label}: nothing written`);
        }
      }
    }
  });
}

t.test('denials name the request in kube wording; anonymous requests are 401', async (t) => {
  const denied = await s.call(VIEWER, 'DELETE', '/apis/converge.io/v1alpha1/namespaces/team-a/instances/web');
  t.match(denied.body, {
    reason: 'Forbidden',
    message: 'instances.converge.io "web" is forbidden: User "viewer" cannot delete resource "instances" in API group "converge.io" in the namespace "team-a"',
  });
  t.equal((await s.call(undefined, 'GET', '/apis/converge.io/v1alpha1/namespaces/team-a/instances')).status, 401);
  t.equal((await s.call(NOBODY, 'GET', '/version')).status, 200, 'every authenticated user may discover the API');
  t.equal((await s.call(NOBODY, 'GET', '/apis')).status, 200);
  t.equal((await s.call(NOBODY, 'GET', '/metrics')).status, 403, 'but not read metrics');
  t.equal((await s.call(ROOT, 'GET', '/metrics')).status, 200);
});

t.test('subresources are separate resources; a new binding is honoured within a second', async (t) => {
  await reset(instance('team-b'));
  const status = '/apis/converge.io/v1alpha1/namespaces/team-b/instances/web/status';
  t.equal((await s.call('sre', 'GET', status)).status, 403);
  await s.client.create(roleType, role('status-reader', 'team-b', [{ apiGroups: ['converge.io'], resources: ['*/status'], verbs: ['get'] }]));
  await s.client.create(roleBindingType, binding('RoleBinding', 'sre-status', { kind: 'Role', name: 'status-reader' }, 'sre', 'team-b'));
  const tookMs = await eventually(async () => (await s.call('sre', 'GET', status)).status === 200, 1000);
  t.ok(tookMs < 1000, `visible after ${tookMs} ms`);
  t.equal((await s.call('sre', 'GET', '/apis/converge.io/v1alpha1/namespaces/team-b/instances/web')).status, 403, 'status does not grant the object');
  t.equal((await s.call('sre', 'GET', '/apis/converge.io/v1alpha1/namespaces/team-a/instances/web/status')).status, 403, 'nor another namespace');
});

t.test('escalation is refused: no granting or binding what one does not hold', async (t) => {
  const clusterRole = (name: string, rules: unknown[], extra: Record<string, unknown> = {}) =>
    ({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules, ...extra }) as unknown as KubeObject;
  const rbacVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  await s.client.create(clusterRoleType, clusterRole('role-writer', [{ apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: rbacVerbs }]));
  await s.client.create(clusterRoleType, clusterRole('clusterrole-writer', [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: rbacVerbs }]));
  await s.client.create(clusterRoleType, clusterRole('escalator', [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['create', 'escalate'] }]));
  await s.client.create(clusterRoleType, clusterRole('binder', [
    { apiGroups: [RBAC], resources: ['rolebindings'], verbs: ['create'] },
    { apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'], verbs: ['bind'] },
  ]));
  for (const [user, roleName] of [[EDITOR, 'role-writer'], [VIEWER, 'role-writer'], ['esc', 'escalator'], ['bnd', 'binder']] as const) {
    await s.client.create(roleBindingType, binding('RoleBinding', `${user}-${roleName}`, { kind: 'ClusterRole', name: roleName }, user, 'team-a'));
  }
  await s.client.create(clusterRoleBindingType, binding('ClusterRoleBinding', 'crw', { kind: 'ClusterRole', name: 'clusterrole-writer' }, 'crw'));
  await eventually(async () => (await s.call('crw', 'GET', `/apis/${RBAC}/v1/clusterroles`)).status === 200 && (await s.call(VIEWER, 'GET', `/apis/${RBAC}/v1/namespaces/team-a/roles`)).status === 200);

  const roles = `/apis/${RBAC}/v1/namespaces/team-a/roles`;
  const bindings = `/apis/${RBAC}/v1/namespaces/team-a/rolebindings`;
  const secretsDelete = [{ apiGroups: [''], resources: ['secrets'], verbs: ['delete'] }];
  const ref = (kind: 'Role' | 'ClusterRole', name: string) => ({ kind, name });
  const cases: { name: string; user: string; method: string; path: string; body: unknown; contentType?: string; status: number; message?: string | RegExp }[] = [
    {
      name: 'view cannot write a Role granting secrets delete',
      user: VIEWER, method: 'POST', path: roles, body: role('grant-secrets', 'team-a', secretsDelete), status: 403,
      message: 'roles.rbac.authorization.k8s.io "grant-secrets" is forbidden: user "viewer" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}',
    },
    { name: 'view may write a Role granting what view holds', user: VIEWER, method: 'POST', path: roles, body: role('viewer-ok', 'team-a', [{ apiGroups: ['converge.io'], resources: ['instances'], verbs: ['get', 'watch'] }]), status: 201 },
    { name: 'edit holds secrets delete in team-a, so may grant it', user: EDITOR, method: 'POST', path: roles, body: role('editor-ok', 'team-a', secretsDelete), status: 201 },
    { name: 'a verb list does not cover *', user: EDITOR, method: 'POST', path: roles, body: role('star', 'team-a', [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }]), status: 403, message: /\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["\*"\]\}/ },
    {
      name: 'a patch cannot add what the user lacks',
      user: EDITOR, method: 'PATCH', path: `${roles}/editor-ok`, contentType: 'application/merge-patch+json', status: 403, message: /Resources:\["leases"\]/,
      body: { rules: [...secretsDelete, { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] }] },
    },
    {
      name: 'nor a server-side apply',
      user: EDITOR, method: 'PATCH', path: `${roles}/applied?fieldManager=test`, contentType: 'application/apply-patch+yaml', status: 403, message: /not currently held:\n\{APIGroups:\["coordination.k8s.io"\], Resources:\["leases"\], Verbs:\["get"\]\}/,
      body: role('applied', 'team-a', [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] }]),
    },
    { name: 'edit cannot bind cluster-admin', user: EDITOR, method: 'POST', path: bindings, body: binding('RoleBinding', 'root-me', ref('ClusterRole', 'cluster-admin'), EDITOR, 'team-a'), status: 403, message: /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/ },
    { name: 'edit may bind view (it holds every view permission in team-a)', user: EDITOR, method: 'POST', path: bindings, body: binding('RoleBinding', 'x-view', ref('ClusterRole', 'view'), 'x', 'team-a'), status: 201 },
    { name: 'binding a missing role is a bad request', user: EDITOR, method: 'POST', path: bindings, body: binding('RoleBinding', 'ghost', ref('Role', 'ghost'), 'x', 'team-a'), status: 400 },
    { name: 'no RBAC writes in a namespace without grants', user: EDITOR, method: 'POST', path: `/apis/${RBAC}/v1/namespaces/team-b/roles`, body: role('b', 'team-b', []), status: 403 },
    { name: 'non-resource URLs are permissions too', user: 'crw', method: 'POST', path: `/apis/${RBAC}/v1/clusterroles`, body: clusterRole('metrics', [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]), status: 403, message: /NonResourceURLs:\["\/metrics"\]/ },
    {
      name: 'an aggregationRule needs full authority',
      user: 'crw', method: 'POST', path: `/apis/${RBAC}/v1/clusterroles`, status: 403, message: /must have cluster-admin privileges to use the aggregationRule/,
      body: clusterRole('gather', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: 'yes' } }] } }),
    },
    { name: 'the escalate verb allows granting anything', user: 'esc', method: 'POST', path: roles, body: role('esc-all', 'team-a', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), status: 201 },
    { name: 'the bind verb allows binding the named role', user: 'bnd', method: 'POST', path: bindings, body: binding('RoleBinding', 'bnd-admin', ref('ClusterRole', 'cluster-admin'), 'y', 'team-a'), status: 201 },
    { name: 'but no other role', user: 'bnd', method: 'POST', path: bindings, body: binding('RoleBinding', 'bnd-edit', ref('ClusterRole', 'edit'), 'y', 'team-a'), status: 403 },
    {
      name: 'nor joining an existing cluster-admin binding',
      user: EDITOR, method: 'PATCH', path: `${bindings}/bnd-admin`, contentType: 'application/merge-patch+json', status: 403,
      body: { subjects: [{ kind: 'User', apiGroup: RBAC, name: 'y' }, { kind: 'User', apiGroup: RBAC, name: EDITOR }] },
    },
    {
      name: 'roleRef cannot change',
      user: ROOT, method: 'PATCH', path: `${bindings}/x-view`, contentType: 'application/merge-patch+json', status: 422, message: /roleRef: Invalid value: .*cannot change roleRef/,
      body: { roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' } },
    },
  ];
  for (const c of cases) {
    const before = await s.revision();
    const res = await s.call(c.user, c.method, c.path, c.body, c.contentType);
    t.equal(res.status, c.status, `${c.name}: ${c.status}`);
    if (c.message !== undefined) t.match((res.body as { message?: unknown }).message, c.message, `${c.name}: message`);
    if (c.status >= 400) t.equal(await s.revision(), before, `${c.name}: nothing written`);
  }
  const stillBound = await s.client.get(roleBindingType, 'team-a', 'bnd-admin');
  t.same((stillBound as unknown as { subjects: unknown[] }).subjects.length, 1, 'the cluster-admin binding is unchanged');
});

t.test('the built-in roles are applied at start, idempotently, and come back when deleted', async (t) => {
  const names = (await s.client.list(clusterRoleType)).items.map((r) => r.metadata.name);
  for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'converge-controllers', 'converge-basic-user']) t.ok(names.includes(name), name);
  const crb = await s.client.get(clusterRoleBindingType, undefined, 'cluster-admin');
  t.match(crb, { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] });
  t.match(crb.metadata.managedFields, [{ manager: 'converge-rbac-bootstrap', operation: 'Apply' }]);
  const { ensureBootstrapPolicy } = await import('../../src/auth/rbac/index.js');
  const before = await s.revision();
  await ensureBootstrapPolicy(s.client);
  t.equal(await s.revision(), before, 'idempotent: a second apply writes nothing');
  await s.client.delete(clusterRoleType, undefined, 'view');
  await ensureBootstrapPolicy(s.client);
  t.ok(await s.client.get(clusterRoleType, undefined, 'view'), 'a deleted built-in comes back');
});
