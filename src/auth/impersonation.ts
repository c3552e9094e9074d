/**
 * User impersonation as kube-apiserver does it (`kubectl --as=tom --as-group=team`): an authenticated user
 * sends `Impersonate-User` and optionally `Impersonate-Group` headers, each one is authorized as the verb
 * `impersonate` on `users`, `groups` or `serviceaccounts` (so only roles granting that — cluster-admin — may),
 * and the request then runs as the impersonated user, who is also in `system:authenticated`. The real user
 * stays on the result (`impersonatedBy`) for audit and rate limits. `Impersonate-Uid` and
 * `Impersonate-Extra-*` are refused as unsupported rather than silently ignored.
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError, ForbiddenError } from '../errors/index.js';
import { SYSTEM_AUTHENTICATED, type Authorizer, type RequestAttributes, type UserInfo } from './types.js';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const MAX_GROUPS = 100;
const MAX_NAME = 1024;
const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headersDistinct[name] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** The RBAC attributes of impersonating one user or group (a service account is `serviceaccounts` in its namespace). */
function impersonateAttributes(user: UserInfo, kind: 'users' | 'groups', name: string): RequestAttributes {
  const serviceAccount = kind === 'users' ? SERVICE_ACCOUNT.exec(name) : null;
  const base = { user, verb: 'impersonate', resourceRequest: true, group: '', path: '' };
  if (serviceAccount !== null) return { ...base, resource: 'serviceaccounts', namespace: serviceAccount[1]!, name: serviceAccount[2]! };
  return { ...base, resource: kind, name };
}

/**
 * The user `req` runs as: `user` itself without impersonation headers, else the impersonated user.
 * @throws BadRequestError for groups without a user, unsupported headers or oversized values;
 *   ForbiddenError (kube's wording) when `user` may not impersonate one of them.
 */
export async function impersonatedUser(req: IncomingMessage, user: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const unsupported = Object.keys(req.headers).find((h) => h === 'impersonate-uid' || h.startsWith('impersonate-extra-'));
  if (req.headers[USER_HEADER] === undefined && req.headers[GROUP_HEADER] === undefined && unsupported === undefined) return user;
  const names = headerValues(req, USER_HEADER);
  const groups = headerValues(req, GROUP_HEADER);
  if (unsupported !== undefined) throw new BadRequestError(`impersonation header ${unsupported} is not supported; impersonate with Impersonate-User and Impersonate-Group only`);
  if (names.length !== 1) {
    throw new BadRequestError(names.length === 0 ? `requested impersonation of groups ${JSON.stringify(groups)} without impersonating a user` : 'Impersonate-User must name exactly one user');
  }
  if (groups.length > MAX_GROUPS) throw new BadRequestError(`Impersonate-Group: at most ${MAX_GROUPS} groups`);
  const name = names[0]!;
  if ([name, ...groups].some((v) => v.length > MAX_NAME)) throw new BadRequestError(`impersonation headers: names are at most ${MAX_NAME} characters`);
  for (const [kind, target] of [['users', name] as const, ...groups.map((g) => ['groups', g] as const)]) {
    const attributes = impersonateAttributes(user, kind, target);
    const decision = await authorizer.authorize(attributes);
    if (!decision.allowed) {
      const scope = attributes.namespace !== undefined ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
      throw new ForbiddenError(`${attributes.resource} "${attributes.name ?? target}" is forbidden: User "${user.name}" cannot impersonate resource "${attributes.resource}" in API group "" ${scope}`, {
        kind: attributes.resource,
        name: attributes.name ?? target,
      });
    }
  }
  // As kube does, an impersonated user (other than system:anonymous) is authenticated.
  const allGroups = name === 'system:anonymous' || groups.includes(SYSTEM_AUTHENTICATED) ? groups : [...groups, SYSTEM_AUTHENTICATED];
  return { name, groups: allGroups, method: 'impersonation', impersonatedBy: user };
}
