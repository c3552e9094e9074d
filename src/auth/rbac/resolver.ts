/**
 * Which rules a user holds, from the RBAC objects (kube's `DefaultRuleResolver.VisitRulesFor`): ClusterRoles
 * granted by ClusterRoleBindings apply everywhere; a RoleBinding grants its Role, or a ClusterRole, only in its
 * namespace. A ClusterRole with an `aggregationRule` also holds the rules of every ClusterRole its selectors
 * match (resolved when read, one level deep, instead of by kube's aggregation controller).
 */
import type { KubeObject } from '../../../schemas/object.js';
import { policyRuleSchema, RBAC_GROUP, subjectSchema, roleRefSchema, aggregationRuleSchema, type PolicyRule, type RoleRef, type Subject } from '../../../schemas/rbac.js';
import { matchesLabels, selectorFromLabelSelectorObject } from '../../apiserver/util/labels.js';
import type { UserInfo } from '../types.js';

/** Read access to the current RBAC objects (an informer cache, or a fixed list in tests). */
export interface RbacObjects {
  /** Every ClusterRoleBinding. */
  clusterRoleBindings(): readonly KubeObject[];
  /** The RoleBindings of one namespace. */
  roleBindings(namespace: string): readonly KubeObject[];
  /** Every ClusterRole (aggregation looks through them). */
  clusterRoles(): readonly KubeObject[];
  /** One ClusterRole, or undefined. */
  clusterRole(name: string): KubeObject | undefined;
  /** One Role of a namespace, or undefined. */
  role(namespace: string, name: string): KubeObject | undefined;
}

/** Called for each rule a user holds with where it comes from; return false to stop visiting. */
export type RuleVisitor = (source: string, rule: PolicyRule) => boolean;

// Stored objects were validated on write; parsing again only guards against what a store could hold from an
// older schema. Results are memoised per (frozen, replaced-on-change) cached object.
const rulesMemo = new WeakMap<KubeObject, readonly PolicyRule[]>();
const bindingMemo = new WeakMap<KubeObject, { readonly subjects: readonly Subject[]; readonly roleRef: RoleRef | undefined }>();
const rulesField = policyRuleSchema.array().optional();
const subjectsField = subjectSchema.array().optional();

/** The rules stored in a Role or ClusterRole (not aggregated). */
export function ownRules(role: KubeObject): readonly PolicyRule[] {
  let rules = rulesMemo.get(role);
  if (rules === undefined) {
    const parsed = rulesField.safeParse((role as { rules?: unknown }).rules);
    rules = parsed.success ? (parsed.data ?? []) : [];
    rulesMemo.set(role, rules);
  }
  return rules;
}

/** The subjects and roleRef of a binding (roleRef undefined when unreadable). */
export function bindingOf(binding: KubeObject): { readonly subjects: readonly Subject[]; readonly roleRef: RoleRef | undefined } {
  let parsed = bindingMemo.get(binding);
  if (parsed === undefined) {
    const raw = binding as { subjects?: unknown; roleRef?: unknown };
    const subjects = subjectsField.safeParse(raw.subjects);
    const roleRef = roleRefSchema.safeParse(raw.roleRef);
    parsed = { subjects: subjects.success ? (subjects.data ?? []) : [], roleRef: roleRef.success ? roleRef.data : undefined };
    bindingMemo.set(binding, parsed);
  }
  return parsed;
}

/** Rules of a ClusterRole including those its aggregationRule selects from other ClusterRoles. */
export function clusterRoleRules(objects: RbacObjects, role: KubeObject): readonly PolicyRule[] {
  const aggregation = aggregationRuleSchema.safeParse((role as { aggregationRule?: unknown }).aggregationRule);
  const selectors = aggregation.success ? (aggregation.data.clusterRoleSelectors ?? []) : [];
  if (selectors.length === 0) return ownRules(role);
  const matchers = selectors.flatMap((s) => {
    try {
      return [selectorFromLabelSelectorObject(s)];
    } catch {
      return []; // validated on write; an unreadable selector selects nothing
    }
  });
  const rules = [...ownRules(role)];
  for (const other of objects.clusterRoles()) {
    if (other.metadata.name === role.metadata.name) continue;
    if (matchers.some((m) => matchesLabels(m, other.metadata.labels))) rules.push(...ownRules(other));
  }
  return rules;
}

/** Whether a binding subject is this user (kube's `appliesToUser`). */
export function subjectMatches(user: UserInfo, subject: Subject, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace !== undefined && subject.namespace !== '' ? subject.namespace : bindingNamespace;
      return namespace !== undefined && user.name === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

/**
 * The rules a roleRef grants in `namespace` (undefined = cluster-wide), or a `not found` message: a Role is
 * looked up in the binding's namespace, a ClusterRole cluster-wide.
 */
export function roleRefRules(objects: RbacObjects, ref: RoleRef, namespace: string | undefined): readonly PolicyRule[] | string {
  if (ref.apiGroup !== RBAC_GROUP) return `unsupported roleRef apiGroup ${JSON.stringify(ref.apiGroup)}`;
  if (ref.kind === 'ClusterRole') {
    const role = objects.clusterRole(ref.name);
    return role === undefined ? `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` : clusterRoleRules(objects, role);
  }
  if (ref.kind === 'Role' && namespace !== undefined) {
    const role = objects.role(namespace, ref.name);
    return role === undefined ? `role.rbac.authorization.k8s.io "${ref.name}" not found` : ownRules(role);
  }
  return `unsupported roleRef kind ${JSON.stringify(ref.kind)}`;
}

function describeSubject(user: UserInfo, subject: Subject): string {
  return subject.kind === 'Group' ? `Group "${subject.name}"` : `${subject.kind} "${user.name}"`;
}

/**
 * Visits every rule `user` holds in `namespace` (undefined = only cluster-wide grants), cluster bindings
 * first, with a source such as `ClusterRoleBinding "view" of ClusterRole "view" to Group "readers"`.
 * Returns the problems met on the way (a binding to a missing role), for denial reasons.
 */
export function visitRules(objects: RbacObjects, user: UserInfo, namespace: string | undefined, visit: RuleVisitor): string[] {
  const errors: string[] = [];
  const bindings: { kind: string; binding: KubeObject; namespace: string | undefined }[] = [
    ...objects.clusterRoleBindings().map((binding) => ({ kind: 'ClusterRoleBinding', binding, namespace: undefined })),
    ...(namespace !== undefined ? objects.roleBindings(namespace).map((binding) => ({ kind: 'RoleBinding', binding, namespace })) : []),
  ];
  for (const { kind, binding, namespace: bindingNamespace } of bindings) {
    const { subjects, roleRef } = bindingOf(binding);
    const subject = subjects.find((s) => subjectMatches(user, s, bindingNamespace));
    if (subject === undefined || roleRef === undefined) continue;
    if (kind === 'ClusterRoleBinding' && roleRef.kind !== 'ClusterRole') continue;
    const rules = roleRefRules(objects, roleRef, bindingNamespace);
    if (typeof rules === 'string') {
      errors.push(`${kind} "${binding.metadata.name}": ${rules}`);
      continue;
    }
    const where = bindingNamespace !== undefined ? ` in namespace "${bindingNamespace}"` : '';
    const source = `${kind} "${binding.metadata.name}" of ${roleRef.kind} "${roleRef.name}" to ${describeSubject(user, subject)}${where}`;
    for (const rule of rules) if (!visit(source, rule)) return errors;
  }
  return errors;
}

/** Every rule `user` holds in `namespace` (undefined = cluster-wide only), and the problems met resolving them. */
export function rulesFor(objects: RbacObjects, user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors = visitRules(objects, user, namespace, (_source, rule) => {
    rules.push(rule);
    return true;
  });
  return { rules, errors };
}
