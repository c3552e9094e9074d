/**
 * Runs a request through {@link ApiSecurity}: authenticate → rate-limit → authorize, producing the attributes
 * and user the handler then runs with. Health probes and the GitOps push webhooks (which carry their own HMAC
 * signatures) are served without authentication, as kube-apiserver serves /livez and /readyz.
 */
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';
import type { RequestInfo } from '../apiserver/request-info.js';
import { impersonatedUser } from './impersonation.js';
import type { ApiSecurity, RequestAttributes, UserInfo } from './types.js';

const PUBLIC_PATHS = new Set(['/livez', '/readyz', '/healthz']);

/** True for paths served to anyone: health probes and the signed webhook receivers. */
export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path.startsWith('/livez/') || path.startsWith('/readyz/') || path.startsWith('/hooks/');
}

/**
 * The RBAC attributes of a request (non-resource requests use the lower-case HTTP method as verb, as kube
 * does); {@link admitRequest} fills in the URL path of resource requests too.
 */
export function attributesOf(user: UserInfo, info: RequestInfo, method: string): RequestAttributes {
  if (info.kind === 'nonResource') {
    return { user, verb: method.toLowerCase(), resourceRequest: false, group: '', resource: '', path: info.path };
  }
  return {
    user,
    verb: info.verb,
    resourceRequest: true,
    group: info.group,
    resource: info.resource,
    ...(info.subresource !== undefined ? { subresource: info.subresource } : {}),
    ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
    ...(info.name !== undefined ? { name: info.name } : {}),
    path: '',
  };
}

/** kube-apiserver's wording of a denial, e.g. `instances.converge.io "web" is forbidden: User "bob" cannot get resource "instances" in API group "converge.io" in the namespace "default"`. */
export function forbiddenMessage(a: RequestAttributes, reason?: string): string {
  const why = reason !== undefined && reason !== '' ? `: ${reason}` : '';
  if (!a.resourceRequest) return `forbidden: User "${a.user.name}" cannot ${a.verb} path "${a.path}"${why}`;
  const qualified = a.group === '' ? a.resource : `${a.resource}.${a.group}`;
  const subject = a.name !== undefined ? `${qualified} "${a.name}"` : qualified;
  const resource = a.subresource !== undefined ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace !== undefined ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}${why}`;
}

/** What the pipeline settled for an admitted request. */
export interface Admitted {
  readonly user: UserInfo;
  readonly attributes: RequestAttributes;
  /** Call when the request completes (releases its rate-limit slot). */
  readonly done: () => void;
}

/**
 * Who a request that failed authentication counts against in the limiter: the anonymous user of its source
 * address, so a client sending bad or no credentials in a loop gets 429s once over the per-user budget,
 * like any user, while other clients (and other addresses) are unaffected.
 */
export function unauthenticatedFrom(req: IncomingMessage): UserInfo {
  return { name: `system:anonymous@${req.socket.remoteAddress ?? 'unknown'}`, groups: ['system:unauthenticated'] };
}

/** Charges a failed authentication to its source address; throws `TooManyRequestsError` when over budget. */
function chargeUnauthenticated(security: ApiSecurity, req: IncomingMessage, info: RequestInfo, path: string): void {
  if (security.limiter === undefined) return;
  const anonymous = unauthenticatedFrom(req);
  // A refused request holds no slot: the release is called at once.
  security.limiter.admit(anonymous, { ...attributesOf(anonymous, info, req.method ?? 'GET'), path })();
}

/**
 * Authenticates, rate-limits, resolves impersonation (impersonation.ts) and authorizes `req`, calling
 * `onAuthenticated` as soon as the user is known and again with the impersonated user (so a refused request
 * can still be audited with its user). Rejects with `UnauthorizedError` (401: no or bad
 * credentials), `TooManyRequestsError` (429, also for a source address sending too many requests that fail
 * authentication) or `ForbiddenError` (403).
 */
export async function admitRequest(
  security: ApiSecurity,
  req: IncomingMessage,
  info: RequestInfo,
  path: string,
  onAuthenticated: (user: UserInfo, attributes: RequestAttributes) => void = () => undefined,
): Promise<Admitted> {
  let authenticated: UserInfo | undefined;
  try {
    authenticated = await security.authenticator.authenticate(req);
  } catch (err) {
    if (err instanceof UnauthorizedError) chargeUnauthenticated(security, req, info, path);
    throw err;
  }
  if (authenticated === undefined) {
    chargeUnauthenticated(security, req, info, path);
    throw new UnauthorizedError();
  }
  let user = authenticated;
  let attributes = { ...attributesOf(user, info, req.method ?? 'GET'), path };
  onAuthenticated(user, attributes);
  // Limits count against whoever sent the request, impersonating or not.
  const done = security.limiter?.admit(authenticated, attributes) ?? (() => undefined);
  try {
    user = await impersonatedUser(req, authenticated, security.authorizer);
    if (user !== authenticated) {
      attributes = { ...attributes, user };
      onAuthenticated(user, attributes);
    }
    const decision = await security.authorizer.authorize(attributes);
    if (!decision.allowed) {
      throw new ForbiddenError(forbiddenMessage(attributes), {
        ...(attributes.name !== undefined ? { name: attributes.name } : {}),
        ...(attributes.resourceRequest ? { kind: attributes.resource } : {}),
      });
    }
  } catch (err) {
    done();
    throw err;
  }
  return { user, attributes, done };
}
