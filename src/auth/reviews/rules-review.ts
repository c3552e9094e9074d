/**
 * `SelfSubjectRulesReview` (`kubectl auth can-i --list`): every rule the caller holds in a namespace —
 * cluster-wide grants plus the namespace's RoleBindings — as kube-apiserver lists them. Needs an authorizer
 * that can enumerate rules (RBAC); with another one the answer is marked `incomplete`.
 */
import { z } from 'zod';
import type { PolicyRule } from '../../../schemas/rbac.js';
import { parseWithCauses } from '../../../schemas/validate.js';
import type { ApiReview } from '../../apiserver/deps.js';
import { InvalidError, UnauthorizedError } from '../../errors/index.js';
import type { Authorizer, UserInfo } from '../types.js';
import { AUTHORIZATION_GROUP } from './access-review.js';

/** An authorizer that can also list the rules a user holds (the RBAC authorizer). */
export interface RuleLister {
  rulesFor(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] };
}

const specSchema = z.looseObject({ namespace: z.string().max(253).optional() });

function canListRules(authorizer: Authorizer): authorizer is Authorizer & RuleLister {
  return typeof (authorizer as Partial<RuleLister>).rulesFor === 'function';
}

/** Splits rules into kube's resourceRules and nonResourceRules. */
function statusOf(rules: readonly PolicyRule[], errors: readonly string[], incomplete: boolean) {
  const resourceRules = rules
    .filter((r) => (r.nonResourceURLs ?? []).length === 0)
    .map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames !== undefined ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = rules
    .filter((r) => (r.nonResourceURLs ?? []).length > 0)
    .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return { resourceRules, nonResourceRules, incomplete, ...(errors.length > 0 ? { evaluationError: errors.join('; ') } : {}) };
}

/** SelfSubjectRulesReview over `authorizer` (undefined: a server without security, where everything is allowed). */
export function selfSubjectRulesReview(authorizer: Authorizer | undefined): ApiReview {
  const kind = 'SelfSubjectRulesReview';
  return {
    group: AUTHORIZATION_GROUP,
    version: 'v1',
    plural: 'selfsubjectrulesreviews',
    singular: 'selfsubjectrulesreview',
    kind,
    async review(body, user) {
      const parsed = parseWithCauses(specSchema, (body as Record<string, unknown>)['spec'] ?? {}, 'spec', { unknownFields: 'Ignore' });
      if (!parsed.ok) throw new InvalidError(`${kind} is invalid`, { causes: parsed.causes, kind });
      const spec = parsed.value;
      const answer = (status: ReturnType<typeof statusOf>) => ({ apiVersion: `${AUTHORIZATION_GROUP}/v1`, kind, metadata: { creationTimestamp: null }, spec, status });
      if (authorizer === undefined) return answer(statusOf([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], [], false));
      if (user === undefined) throw new UnauthorizedError();
      if (!canListRules(authorizer)) return answer(statusOf([], ['this server\'s authorizer cannot list rules'], true));
      const { rules, errors } = authorizer.rulesFor(user, spec.namespace || undefined);
      return answer(statusOf(rules, errors, false));
    },
  };
}
