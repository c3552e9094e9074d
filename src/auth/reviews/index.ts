/**
 * The computed review kinds of the API (see `ApiReview`): access reviews (`kubectl auth can-i`, `--list`) and
 * the self review (`kubectl auth whoami`), all answered from the server's own authenticator and authorizer.
 */
import type { ApiReview } from '../../apiserver/deps.js';
import type { Authorizer } from '../types.js';
import { selfSubjectAccessReview, subjectAccessReview } from './access-review.js';
import { selfSubjectRulesReview } from './rules-review.js';
import { selfSubjectReview } from './self-review.js';

export { AUTHORIZATION_GROUP } from './access-review.js';
export { AUTHENTICATION_GROUP } from './self-review.js';

/** Every review kind, over `authorizer` (undefined: a server without security). */
export function securityReviews(authorizer: Authorizer | undefined): ApiReview[] {
  return [selfSubjectAccessReview(authorizer), selfSubjectRulesReview(authorizer), subjectAccessReview(authorizer), selfSubjectReview(authorizer !== undefined)];
}
