/**
 * The built-in RBAC policy, created at every server start by server-side apply (kube-apiserver's bootstrap
 * policy, Converge-sized): ClusterRoles `cluster-admin`, `admin`, `edit`, `view`, `converge-controllers`,
 * `converge-basic-user`, and the bindings `cluster-admin` → group `system:masters`, `converge-basic-user` →
 * `system:authenticated`, `converge-controllers` → user `system:converge:controllers`.
 *
 * Names are kube's where kube has one; kube's `system:`-prefixed names are not valid object names here
 * (metadata names are DNS subdomains), hence `converge-controllers` and `converge-basic-user`. As in kube, an
 * object annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` is left as the operator edited it;
 * otherwise the bootstrap manager forcibly re-owns its fields, so a deleted or damaged built-in comes back.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { resourceTypes, secretType } from '../../../schemas/index.js';
import { clusterRoleBindingType, clusterRoleType, RBAC_GROUP, type PolicyRule } from '../../../schemas/rbac.js';
import type { ResourceType } from '../../../schemas/types.js';
import { leaseType } from '../../../schemas/lease.js';
import type { ApiClient } from '../../client/types.js';
import { isNotFound } from '../../errors/index.js';
import { SYSTEM_AUTHENTICATED, SYSTEM_MASTERS } from '../types.js';
import { AUTHENTICATION_GROUP, AUTHORIZATION_GROUP } from '../reviews/index.js';

/** Field manager of the built-in RBAC objects. */
export const BOOTSTRAP_FIELD_MANAGER = 'converge-rbac-bootstrap';
/** The user the controllers authenticate as when they reach the API over HTTP (kube mode against Converge). */
export const CONTROLLERS_USER = 'system:converge:controllers';
/** kube's opt-out of bootstrap reconciliation. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

const CONVERGE_GROUP = 'converge.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

const viewRules: PolicyRule[] = [
  { apiGroups: [CONVERGE_GROUP], resources: ['*'], verbs: READ },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: READ },
  // kube's view role reads namespaces too (`kubectl get ns`); creating and deleting them is cluster-admin's.
  { apiGroups: [''], resources: ['namespaces', 'namespaces/status'], verbs: READ },
];
const editRules: PolicyRule[] = [
  ...viewRules,
  { apiGroups: [CONVERGE_GROUP], resources: ['*'], verbs: WRITE },
  { apiGroups: [''], resources: ['secrets'], verbs: [...READ, ...WRITE] },
];
const adminRules: PolicyRule[] = [...editRules, { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] }];

const plurals = (types: readonly ResourceType[], suffix = '') => types.map((t) => `${t.plural}${suffix}`);

/** What the controllers do (the kube-mode chart's ClusterRole plus leases and event clean-up), nothing more. */
const controllerRules: PolicyRule[] = [
  { apiGroups: [CONVERGE_GROUP], resources: plurals(resourceTypes), verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [CONVERGE_GROUP], resources: plurals(resourceTypes, '/status'), verbs: ['get', 'update', 'patch'] },
  { apiGroups: [CONVERGE_GROUP], resources: plurals(resourceTypes, '/finalizers'), verbs: ['update'] },
  { apiGroups: [''], resources: [secretType.plural], verbs: READ },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [leaseType.group], resources: [leaseType.plural], verbs: [...READ, 'create', 'update', 'patch'] },
  // The namespace controller: watch namespaces, report on and finalize terminating ones, empty them.
  { apiGroups: [''], resources: ['namespaces'], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: [''], resources: ['namespaces/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: [''], resources: [secretType.plural], verbs: ['delete'] },
  { apiGroups: [leaseType.group], resources: [leaseType.plural], verbs: ['delete'] },
  { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings'], verbs: ['list', 'delete'] },
];

/** Discovery, version, OpenAPI and health: what any authenticated client needs to start talking. */
const basicUserRules: PolicyRule[] = [
  {
    nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version', '/version/', '/openapi', '/openapi/*', '/healthz', '/livez', '/livez/*', '/readyz', '/readyz/*'],
    verbs: ['get'],
  },
  // kube's system:basic-user: anyone may ask what they themselves may do (`kubectl auth can-i`, `auth whoami`).
  { apiGroups: [AUTHORIZATION_GROUP], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
  { apiGroups: [AUTHENTICATION_GROUP], resources: ['selfsubjectreviews'], verbs: ['create'] },
];

const bootstrapMeta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

function clusterRole(name: string, rules: readonly PolicyRule[]): KubeObject {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: bootstrapMeta(name), rules } as unknown as KubeObject;
}

function clusterRoleBinding(name: string, role: string, subject: { kind: 'User' | 'Group'; name: string }): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: bootstrapMeta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: [{ kind: subject.kind, apiGroup: RBAC_GROUP, name: subject.name }],
  } as unknown as KubeObject;
}

/** The built-in objects, ClusterRoles first (a binding's role exists before the binding). */
export const bootstrapPolicy: readonly KubeObject[] = [
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  clusterRole('admin', adminRules),
  clusterRole('edit', editRules),
  clusterRole('view', viewRules),
  clusterRole('converge-controllers', controllerRules),
  clusterRole('converge-basic-user', basicUserRules),
  clusterRoleBinding('cluster-admin', 'cluster-admin', { kind: 'Group', name: SYSTEM_MASTERS }),
  clusterRoleBinding('converge-basic-user', 'converge-basic-user', { kind: 'Group', name: SYSTEM_AUTHENTICATED }),
  clusterRoleBinding('converge-controllers', 'converge-controllers', { kind: 'User', name: CONTROLLERS_USER }),
];

/**
 * Applies {@link bootstrapPolicy} (idempotent: an unchanged object is not written), skipping objects whose
 * stored copy opts out with {@link AUTOUPDATE_ANNOTATION} `"false"`. Uses a trusted (in-process) client.
 */
export async function ensureBootstrapPolicy(client: ApiClient): Promise<void> {
  for (const object of bootstrapPolicy) {
    const type = object.kind === 'ClusterRole' ? clusterRoleType : clusterRoleBindingType;
    const name = object.metadata.name;
    try {
      const stored = await client.get(type, undefined, name);
      if (stored.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await client.patch(type, undefined, name, { type: 'apply', body: structuredClone(object) }, { fieldManager: BOOTSTRAP_FIELD_MANAGER, force: true });
  }
}
