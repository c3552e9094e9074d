/**
 * `SelfSubjectReview` (`authentication.k8s.io/v1`, `kubectl auth whoami`): who the server thinks the caller
 * is — user name and groups as the authenticator resolved them from the token or client certificate.
 */
import type { ApiReview } from '../../apiserver/deps.js';
import { UnauthorizedError } from '../../errors/index.js';

/** API group of the authentication reviews. */
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/** SelfSubjectReview; `secured` false means a server without authentication, where everyone is anonymous. */
export function selfSubjectReview(secured: boolean): ApiReview {
  const kind = 'SelfSubjectReview';
  return {
    group: AUTHENTICATION_GROUP,
    version: 'v1',
    plural: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    kind,
    async review(_body, user) {
      if (secured && user === undefined) throw new UnauthorizedError();
      const userInfo = user === undefined ? { username: 'system:anonymous', groups: ['system:unauthenticated'] } : { username: user.name, groups: [...user.groups] };
      return { apiVersion: `${AUTHENTICATION_GROUP}/v1`, kind, metadata: { creationTimestamp: null }, status: { userInfo } };
    },
  };
}
