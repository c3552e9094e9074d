/**
 * `SelfSubjectAccessReview` (may I?) and `SubjectAccessReview` (may they?), kube's `authorization.k8s.io/v1`
 * kinds behind `kubectl auth can-i`. Both ask the server's own authorizer, so the answer is the decision the
 * real request would get. Anyone authenticated may ask about themselves (the `converge-basic-user` role);
 * asking about others needs `create` on `subjectaccessreviews` (cluster-admin).
 */
import { z } from 'zod';
import { InvalidError, UnauthorizedError } from '../../errors/index.js';
import type { ApiReview } from '../../apiserver/deps.js';
import type { Authorizer, Decision, UserInfo } from '../types.js';
import { accessAttributesSchema, parseReviewSpec, requestAttributesOf, type AccessAttributes } from './attributes.js';

/** API group and version of the access reviews. */
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
const VERSION = 'v1';

const selfSpecSchema = z.looseObject(accessAttributesSchema);
const subjectSpecSchema = z.looseObject({
  ...accessAttributesSchema,
  user: z.string().max(1024).optional(),
  groups: z.array(z.string().max(1024)).max(1000).optional(),
  uid: z.string().max(1024).optional(),
});

/** What decides when the server runs without security (`--insecure-http`): everything is allowed. */
const OPEN: Decision = { allowed: true, reason: 'the server runs without authorization (--insecure-http): every request is allowed' };

/** kube leaves a plain denial's reason empty; only grants name the binding. */
function statusOf(decision: Decision): { allowed: boolean; reason?: string } {
  return decision.allowed ? { allowed: true, reason: decision.reason } : { allowed: false };
}

function answer(kind: string, spec: AccessAttributes, decision: Decision) {
  return { apiVersion: `${AUTHORIZATION_GROUP}/${VERSION}`, kind, metadata: { creationTimestamp: null }, spec, status: statusOf(decision) };
}

/** SelfSubjectAccessReview: the caller's own permission for one request. */
export function selfSubjectAccessReview(authorizer: Authorizer | undefined): ApiReview {
  const kind = 'SelfSubjectAccessReview';
  return {
    group: AUTHORIZATION_GROUP,
    version: VERSION,
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind,
    async review(body, user) {
      const spec = parseReviewSpec(kind, selfSpecSchema, body as Record<string, unknown>);
      if (authorizer === undefined) return answer(kind, spec, OPEN);
      if (user === undefined) throw new UnauthorizedError();
      return answer(kind, spec, await authorizer.authorize(requestAttributesOf(user, spec)));
    },
  };
}

/** SubjectAccessReview: another user's (or group's) permission for one request. */
export function subjectAccessReview(authorizer: Authorizer | undefined): ApiReview {
  const kind = 'SubjectAccessReview';
  return {
    group: AUTHORIZATION_GROUP,
    version: VERSION,
    plural: 'subjectaccessreviews',
    singular: 'subjectaccessreview',
    kind,
    async review(body) {
      const spec = parseReviewSpec(kind, subjectSpecSchema, body as Record<string, unknown>);
      if (!spec.user && (spec.groups ?? []).length === 0) {
        throw new InvalidError(`${kind} is invalid`, { kind, causes: [{ field: 'spec.user', reason: 'FieldValueInvalid', message: 'Invalid value: "": at least one of user or group must be specified' }] });
      }
      if (authorizer === undefined) return answer(kind, spec, OPEN);
      // As in kube, the groups are taken as given: system:authenticated is not added for the subject.
      const subject: UserInfo = { name: spec.user ?? '', groups: spec.groups ?? [] };
      return answer(kind, spec, await authorizer.authorize(requestAttributesOf(subject, spec)));
    },
  };
}
