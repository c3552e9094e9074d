/**
 * `rbac.authorization.k8s.io/v1` Role, ClusterRole, RoleBinding and ClusterRoleBinding, in the shapes of
 * kube-apiserver so `kubectl create role|rolebinding|clusterrole|clusterrolebinding` and manifests written for
 * Kubernetes work unchanged. Their fields are top-level (no spec/status) and writes never bump generation.
 *
 * The schemas check shapes; what kube-apiserver checks beyond shapes (a rule names verbs and either resources
 * or non-resource URLs, a subject's kind and apiGroup agree, roleRef kinds) is {@link policyRuleCauses},
 * {@link subjectCauses} and {@link roleRefCauses}. Defaulting of subject API groups, the immutable roleRef
 * and the escalation check are the RBAC write strategy (src/auth/rbac/strategy.ts).
 */
import { z } from 'zod';
import type { FieldCause } from '../src/errors/index.js';
import type { ResourceType } from './types.js';

/** The API group of these kinds (and of `roleRef.apiGroup`, and of User/Group subjects). */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const stringList = (description: string) => z.array(z.string().max(1024)).optional().describe(description);

/** Schema of a PolicyRule: verbs × (API groups × resources × resource names | non-resource URLs). */
export const policyRuleSchema = z
  .strictObject({
    verbs: z
      .array(z.string().max(256))
      .describe('Verbs this rule allows (get, list, watch, create, update, patch, delete, deletecollection, escalate, bind, or * for all).'),
    apiGroups: stringList('API groups of the resources ("" is the core group, * any group).'),
    resources: stringList('Resources this rule applies to: plurals, "resource/subresource", "*/subresource" or * for all.'),
    resourceNames: stringList('Optional allow-list of object names (limits get, update, patch and delete; not list, watch or create).'),
    nonResourceURLs: stringList('URL paths (e.g. /version, /apis/*) for non-resource requests; only in ClusterRoles.'),
  })
  .describe('PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to.');

/** A PolicyRule as stored (every list present or absent, never null). */
export type PolicyRule = z.output<typeof policyRuleSchema>;

/** Schema of a binding subject. */
export const subjectSchema = z
  .strictObject({
    kind: z.string().max(64).describe('Kind of the subject: User, Group or ServiceAccount.'),
    apiGroup: z.string().max(253).optional().describe('API group of the subject: "rbac.authorization.k8s.io" for User and Group, "" for ServiceAccount (defaulted).'),
    name: z.string().max(1024).describe('Name of the user, group or service account.'),
    namespace: z.string().max(63).optional().describe('Namespace of a ServiceAccount subject (defaults to the RoleBinding\'s).'),
  })
  .describe('Subject names a user, a group or a service account a binding grants its role to.');

/** A binding subject. */
export type Subject = z.output<typeof subjectSchema>;

/** Schema of a binding's roleRef. */
export const roleRefSchema = z
  .strictObject({
    apiGroup: z.string().max(253).describe('API group of the referenced role: rbac.authorization.k8s.io.'),
    kind: z.string().max(64).describe('Role or ClusterRole.'),
    name: z.string().max(253).describe('Name of the referenced role.'),
  })
  .describe('RoleRef names the role a binding grants. It cannot change once the binding exists.');

/** A binding's roleRef. */
export type RoleRef = z.output<typeof roleRefSchema>;

const labelSelectorSchema = z
  .strictObject({
    matchLabels: z.record(z.string(), z.string()).optional().describe('Labels that must all match.'),
    matchExpressions: z
      .array(
        z.strictObject({
          key: z.string().max(317).describe('Label key.'),
          operator: z.string().max(32).describe('In, NotIn, Exists or DoesNotExist.'),
          values: z.array(z.string().max(63)).optional().describe('Values for In and NotIn.'),
        }),
      )
      .optional()
      .describe('Label requirements that must all match.'),
  })
  .describe('A label selector.');

/** Schema of a ClusterRole's aggregationRule. */
export const aggregationRuleSchema = z
  .strictObject({
    clusterRoleSelectors: z
      .array(labelSelectorSchema)
      .optional()
      .describe('ClusterRoles whose labels match any of these selectors add their rules to this one.'),
  })
  .describe('AggregationRule describes how to build the rules of a ClusterRole from other ClusterRoles.');

/** Schema of a Role's top-level fields. */
export const roleTopLevel = z
  .strictObject({ rules: z.array(policyRuleSchema).optional().describe('Rules of this role.') })
  .describe('Role is a namespaced set of PolicyRules, granted in its namespace by a RoleBinding.');

/** Schema of a ClusterRole's top-level fields. */
export const clusterRoleTopLevel = z
  .strictObject({
    rules: z.array(policyRuleSchema).optional().describe('Rules of this role.'),
    aggregationRule: aggregationRuleSchema.optional(),
  })
  .describe('ClusterRole is a cluster-level set of PolicyRules, granted by a ClusterRoleBinding (everywhere) or a RoleBinding (in one namespace).');

/** Schema of a RoleBinding's or ClusterRoleBinding's top-level fields. */
export const bindingTopLevel = z
  .strictObject({
    subjects: z.array(subjectSchema).optional().describe('Who the role is granted to.'),
    roleRef: roleRefSchema,
  })
  .describe('A binding grants the permissions of a role to users, groups or service accounts.');

const createdAt = { name: 'CREATED AT', type: 'string', jsonPath: '.metadata.creationTimestamp', description: 'When the role was created.' } as const;
const nameColumn = { name: 'NAME', type: 'string', jsonPath: '.metadata.name', description: 'Name of the role.' } as const;
// kubectl's order puts AGE before the wide columns, so these kinds list Name and Age themselves.
const bindingColumns = [
  { name: 'NAME', type: 'string', jsonPath: '.metadata.name', description: 'Name of the binding.' },
  { name: 'ROLE', type: 'string', jsonPath: '.roleRef.name', description: 'The role granted.' },
  { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the binding was created.' },
  { name: 'USERS', type: 'string', jsonPath: '.subjects[?(@.kind=="User")].name', description: 'Users granted the role.', priority: 1 },
  { name: 'GROUPS', type: 'string', jsonPath: '.subjects[?(@.kind=="Group")].name', description: 'Groups granted the role.', priority: 1 },
  { name: 'SERVICEACCOUNTS', type: 'string', jsonPath: '.subjects[?(@.kind=="ServiceAccount")].name', description: 'Service accounts granted the role.', priority: 1 },
] as const;

const common = {
  group: RBAC_GROUP,
  version: 'v1',
  shortNames: [],
  categories: [],
  spec: z.strictObject({}),
  status: z.strictObject({}),
  crd: false,
  immutableFields: [],
} as const;

/** `rbac.authorization.k8s.io/v1` Role (printed like kubectl: NAME, CREATED AT). */
export const roleType: ResourceType = {
  ...common,
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  description: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
  topLevel: roleTopLevel,
  tableNameAndAge: false,
  printerColumns: [nameColumn, createdAt],
};

/** `rbac.authorization.k8s.io/v1` ClusterRole. */
export const clusterRoleType: ResourceType = {
  ...common,
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  description: 'ClusterRole is a cluster-level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
  topLevel: clusterRoleTopLevel,
  tableNameAndAge: false,
  printerColumns: [nameColumn, createdAt],
};

/** `rbac.authorization.k8s.io/v1` RoleBinding (NAME, ROLE, AGE; USERS, GROUPS, SERVICEACCOUNTS with -o wide). */
export const roleBindingType: ResourceType = {
  ...common,
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  description: 'RoleBinding grants the permissions of a Role or ClusterRole to subjects within its namespace.',
  topLevel: bindingTopLevel,
  tableNameAndAge: false,
  printerColumns: bindingColumns,
};

/** `rbac.authorization.k8s.io/v1` ClusterRoleBinding. */
export const clusterRoleBindingType: ResourceType = {
  ...common,
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  description: 'ClusterRoleBinding grants the permissions of a ClusterRole to subjects across the whole cluster.',
  topLevel: bindingTopLevel,
  tableNameAndAge: false,
  printerColumns: bindingColumns,
};

/** The four RBAC kinds, in discovery order. */
export const rbacTypes: readonly ResourceType[] = [clusterRoleBindingType, clusterRoleType, roleBindingType, roleType];

const invalid = (field: string, message: string): FieldCause => ({ reason: 'FieldValueInvalid', field, message });
const required = (field: string, message = 'Required value'): FieldCause => ({ reason: 'FieldValueRequired', field, message });

/**
 * kube-apiserver's checks of one rule beyond its shape (`ValidatePolicyRule`): at least one verb; either
 * non-resource URLs (ClusterRoles only, never together with resources) or API groups and resources.
 */
export function policyRuleCauses(rule: PolicyRule, field: string, options: { readonly namespaced: boolean }): FieldCause[] {
  const causes: FieldCause[] = [];
  if (rule.verbs.length === 0) causes.push(required(`${field}.verbs`, 'Required value: verbs must contain at least one value'));
  if ((rule.nonResourceURLs ?? []).length > 0) {
    if (options.namespaced) causes.push(invalid(`${field}.nonResourceURLs`, 'Invalid value: namespaced rules cannot apply to non-resource URLs'));
    if ((rule.apiGroups ?? []).length > 0 || (rule.resources ?? []).length > 0) {
      causes.push(invalid(`${field}.nonResourceURLs`, 'Invalid value: rules cannot apply to both regular resources and non-resource URLs'));
    }
    return causes;
  }
  if ((rule.apiGroups ?? []).length === 0) causes.push(required(`${field}.apiGroups`, 'Required value: resource rules must supply at least one api group'));
  if ((rule.resources ?? []).length === 0) causes.push(required(`${field}.resources`, 'Required value: resource rules must supply at least one resource'));
  return causes;
}

/** kube-apiserver's checks of one subject (after defaulting): name, kind and the apiGroup the kind needs. */
export function subjectCauses(subject: Subject, field: string, options: { readonly namespaced: boolean }): FieldCause[] {
  const causes: FieldCause[] = [];
  if (subject.name === '') causes.push(required(`${field}.name`));
  switch (subject.kind) {
    case 'ServiceAccount':
      if ((subject.apiGroup ?? '') !== '') causes.push({ reason: 'FieldValueNotSupported', field: `${field}.apiGroup`, message: `Unsupported value: ${JSON.stringify(subject.apiGroup)}: supported values: ""` });
      if (!options.namespaced && (subject.namespace ?? '') === '') causes.push(required(`${field}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (subject.apiGroup !== RBAC_GROUP) causes.push({ reason: 'FieldValueNotSupported', field: `${field}.apiGroup`, message: `Unsupported value: ${JSON.stringify(subject.apiGroup ?? '')}: supported values: "${RBAC_GROUP}"` });
      break;
    default:
      causes.push({ reason: 'FieldValueNotSupported', field: `${field}.kind`, message: `Unsupported value: ${JSON.stringify(subject.kind)}: supported values: "ServiceAccount", "User", "Group"` });
  }
  return causes;
}

/** kube-apiserver's checks of a roleRef: its group, a name, and Role or ClusterRole (only ClusterRole cluster-wide). */
export function roleRefCauses(ref: RoleRef, options: { readonly namespaced: boolean }): FieldCause[] {
  const causes: FieldCause[] = [];
  if (ref.apiGroup !== RBAC_GROUP) causes.push({ reason: 'FieldValueNotSupported', field: 'roleRef.apiGroup', message: `Unsupported value: ${JSON.stringify(ref.apiGroup)}: supported values: "${RBAC_GROUP}"` });
  const kinds = options.namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'roleRef.kind', message: `Unsupported value: ${JSON.stringify(ref.kind)}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
  }
  if (ref.name === '') causes.push(required('roleRef.name'));
  return causes;
}
