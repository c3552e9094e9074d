/**
 * The RBAC {@link Authorizer}: a request is allowed when some rule the user holds (see resolver.ts) matches
 * it, or when the user is in `system:masters`. Decisions are synchronous lookups in the RBAC cache; the async
 * `authorize` only wraps them. Each decision also records, for the request being served, which authorizer made
 * it, so the escalation check deep in the registry uses the same rules (escalation.ts).
 */
import type { PolicyRule, RoleRef } from '../../../schemas/rbac.js';
import { SYSTEM_MASTERS, type Authorizer, type Decision, type RequestAttributes, type UserInfo } from '../types.js';
import { noteDecidedBy, type RbacOracle } from './escalation.js';
import { roleRefRules, rulesFor, visitRules, type RbacObjects } from './resolver.js';
import { ruleAllows } from './rules.js';

/** See the module comment. */
export class RbacAuthorizer implements Authorizer, RbacOracle {
  private readonly objects: RbacObjects;

  constructor(objects: RbacObjects) {
    this.objects = objects;
  }

  /** The decision for `attributes`, synchronously; `reason` names the granting binding or why nothing matched. */
  decide(attributes: RequestAttributes): Decision {
    const user = attributes.user;
    if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: `RBAC: allowed: user "${user.name}" is in group "${SYSTEM_MASTERS}"` };
    let granted: string | undefined;
    const errors = visitRules(this.objects, user, attributes.resourceRequest ? attributes.namespace : undefined, (source, rule) => {
      if (!ruleAllows(attributes, rule)) return true;
      granted = source;
      return false;
    });
    if (granted !== undefined) return { allowed: true, reason: `RBAC: allowed by ${granted}` };
    const problems = errors.length > 0 ? `; ${errors.join('; ')}` : '';
    return { allowed: false, reason: `RBAC: no rule bound to user "${user.name}" (groups ${JSON.stringify(user.groups)}) allows this request${problems}` };
  }

  /** {@link decide}, after noting (for the escalation check) that this authorizer admitted the request. */
  async authorize(attributes: RequestAttributes): Promise<Decision> {
    noteDecidedBy(attributes, this);
    return this.decide(attributes);
  }

  /** Every rule `user` holds in `namespace` (undefined = cluster-wide grants only). */
  rulesFor(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] } {
    return rulesFor(this.objects, user, namespace);
  }

  /** The rules a binding's roleRef grants in `namespace`, or why it cannot be resolved. */
  roleRefRules(ref: RoleRef, namespace: string | undefined): readonly PolicyRule[] | string {
    return roleRefRules(this.objects, ref, namespace);
  }
}
