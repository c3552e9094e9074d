/**
 * The RBAC escalation check (kube's `ConfirmNoEscalation` in the rbac registry): a user may write a Role or
 * ClusterRole only if they already hold every permission it grants (or may `escalate` on it), and a binding only
 * if they hold every permission of the role it references (or may `bind` it). Members of `system:masters` and
 * in-process callers (no request context: the controllers, GitOps, bootstrap) are trusted.
 *
 * The check runs inside the registry (the RBAC write strategy), far from the authorizer. It finds the rules of
 * the authorizer that admitted the request being served through the request's attributes object: the pipeline
 * hands the same object to `Authorizer.authorize` and to the request context. A request whose attributes no
 * RBAC authorizer saw cannot be checked and is refused.
 */
import { RBAC_GROUP, type PolicyRule, type RoleRef } from '../../../schemas/rbac.js';
import { BadRequestError, ForbiddenError } from '../../errors/index.js';
import { currentRequest } from '../context.js';
import { SYSTEM_MASTERS, type Decision, type RequestAttributes, type UserInfo } from '../types.js';
import { compactRuleString, uncoveredRules } from './rules.js';

/** What the escalation check asks of the RBAC authorizer. */
export interface RbacOracle {
  decide(attributes: RequestAttributes): Decision;
  rulesFor(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] };
  /** The rules a roleRef grants in `namespace`, or why it cannot be resolved (e.g. not found). */
  roleRefRules(ref: RoleRef, namespace: string | undefined): readonly PolicyRule[] | string;
}

const decidedBy = new WeakMap<RequestAttributes, RbacOracle>();

/** Records that `oracle` authorized the request with these attributes (called by the authorizer). */
export function noteDecidedBy(attributes: RequestAttributes, oracle: RbacOracle): void {
  decidedBy.set(attributes, oracle);
}

/** Everything: what a user must hold to write an aggregated ClusterRole. */
const FULL_AUTHORITY: readonly PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** A write of an RBAC object, as the escalation check sees it. */
export type RbacWrite =
  | {
      readonly kind: 'Role' | 'ClusterRole';
      readonly name: string;
      readonly namespace?: string;
      readonly rules: readonly PolicyRule[];
      /** True when the ClusterRole carries an aggregationRule (it may gather any rule). */
      readonly aggregated: boolean;
    }
  | { readonly kind: 'RoleBinding' | 'ClusterRoleBinding'; readonly name: string; readonly namespace?: string; readonly roleRef: RoleRef };

const RESOURCES = { Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' } as const;

function describeUser(user: UserInfo): string {
  // kube prints Go's %q of a []string: ["a" "b"].
  return `user "${user.name}" (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}])`;
}

function refused(write: RbacWrite, message: string): ForbiddenError {
  const resource = `${RESOURCES[write.kind]}.${RBAC_GROUP}`;
  return new ForbiddenError(`${resource} "${write.name}" is forbidden: ${message}`, { kind: RESOURCES[write.kind], name: write.name });
}

function verbAllowed(oracle: RbacOracle, user: UserInfo, verb: 'escalate' | 'bind', resource: 'roles' | 'clusterroles', name: string, namespace: string | undefined): boolean {
  return oracle.decide({ user, verb, resourceRequest: true, group: RBAC_GROUP, resource, name, ...(namespace !== undefined ? { namespace } : {}), path: '' }).allowed;
}

/**
 * Throws `ForbiddenError` (403, kube's wording) when the user of the request being served would grant
 * permissions they do not hold; `BadRequestError` when a binding references a role that does not exist.
 * Returns quietly for trusted callers and permitted writes.
 */
export function confirmNoEscalation(write: RbacWrite): void {
  const context = currentRequest();
  const user = context?.user;
  if (user === undefined || user.groups.includes(SYSTEM_MASTERS)) return;
  const oracle = context?.attributes !== undefined ? decidedBy.get(context.attributes) : undefined;
  if (oracle === undefined) {
    throw refused(write, `${describeUser(user)} cannot be checked for RBAC escalation: the request was not authorized by RBAC`);
  }
  const namespace = write.kind === 'Role' || write.kind === 'RoleBinding' ? write.namespace : undefined;
  let requested: readonly PolicyRule[];
  if (!('roleRef' in write)) {
    if (verbAllowed(oracle, user, 'escalate', RESOURCES[write.kind], write.name, namespace)) return;
    requested = write.aggregated ? FULL_AUTHORITY : write.rules;
    if (write.aggregated && uncoveredRules(oracle.rulesFor(user, undefined).rules, FULL_AUTHORITY).length > 0) {
      throw refused(write, 'must have cluster-admin privileges to use the aggregationRule');
    }
  } else {
    const refResource = write.roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    if (verbAllowed(oracle, user, 'bind', refResource, write.roleRef.name, namespace)) return;
    const rules = oracle.roleRefRules(write.roleRef, namespace);
    if (typeof rules === 'string') throw new BadRequestError(rules);
    requested = rules;
  }
  const held = oracle.rulesFor(user, namespace);
  const missing = uncoveredRules(held.rules, requested);
  if (missing.length === 0) return;
  const errors = held.errors.length > 0 ? `; resolution errors: [${held.errors.join(' ')}]` : '';
  throw refused(write, `${describeUser(user)} is attempting to grant RBAC permissions not currently held:\n${missing.map(compactRuleString).join('\n')}${errors}`);
}
