/**
 * The security `converge serve` runs with by default (issue #8): the composition point of every stage.
 * - authentication: client certificates verified by the cluster CA (src/auth/x509.ts), then bearer tokens from
 *   the token file (src/auth/tokens/); every user is also in `system:authenticated`;
 * - authorization: Kubernetes RBAC (src/auth/rbac/): the built-in roles are applied at start, `system:masters`
 *   may do anything, everyone else what their RoleBindings and ClusterRoleBindings grant;
 * - rate limits and audit: slots, filled by their own modules.
 * Each stage is built in its own small function below so that plugging one in is a one-line edit.
 */
import { join } from 'node:path';
import type { SecurityContext } from '../server/converge-server.js';
import { openAuditLog, type AuditLogOptions } from './audit/index.js';
import { PerUserLimiter, type PerUserLimiterOptions } from './ratelimit/index.js';
import { startRbac } from './rbac/index.js';
import { TokenAuthenticator } from './tokens/authenticator.js';
import { SYSTEM_MASTERS, type ApiSecurity, type AuditSink, type Authenticator, type Authorizer, type RequestLimiter, type UserInfo } from './types.js';
import { X509Authenticator } from './x509.js';

/** Options of {@link serveSecurity} (from `converge serve`'s flags). */
export interface ServeSecurityOptions {
  /** The bearer token file (`--token-file`, default `<data-dir>/tokens.json`). */
  readonly tokenFile: string;
  /** Per-user rate limits (`--max-requests-per-user-*`); absent fields take the defaults of src/auth/ratelimit/. */
  readonly limits?: PerUserLimiterOptions;
  /**
   * The audit log (`--audit-*`); `path` defaults to `<data-dir>/audit.log`, and an empty `path` turns the
   * audit log off.
   */
  readonly audit?: Partial<AuditLogOptions>;
}

/**
 * Tries each authenticator in order: the first that recognises the request's credentials decides (a wrong
 * credential is a 401 at once, not a fall-through); undefined when none of them finds any credentials.
 */
export function unionAuthenticator(authenticators: readonly Authenticator[]): Authenticator {
  return {
    async authenticate(req) {
      for (const a of authenticators) {
        const user = await a.authenticate(req);
        if (user !== undefined) return user;
      }
      return undefined;
    },
  };
}

/** Allows members of `system:masters` and denies everyone else (the authorizer before RBAC). */
export function mastersOnlyAuthorizer(): Authorizer {
  return {
    async authorize(a) {
      if (a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: `user "${a.user.name}" is in group ${SYSTEM_MASTERS}` };
      return { allowed: false, reason: `only members of ${SYSTEM_MASTERS} may use this server (no RBAC authorizer configured)` };
    },
  };
}

function authenticatorFor(options: ServeSecurityOptions): Authenticator {
  return unionAuthenticator([new X509Authenticator(), new TokenAuthenticator({ path: options.tokenFile })]);
}

async function authorizerFor(context: SecurityContext): Promise<{ authorizer: Authorizer; stop: () => void }> {
  // Applies the built-in roles, then decides from an in-memory cache of the RBAC objects (src/auth/rbac/).
  const rbac = await startRbac({ registry: context.registry, logger: context.logger });
  return { authorizer: rbac.authorizer, stop: () => rbac.stop() };
}

function limiterFor(options: Pick<ServeSecurityOptions, 'limits'>, _context: SecurityContext): RequestLimiter | undefined {
  return new PerUserLimiter(options.limits);
}

async function auditFor(options: Pick<ServeSecurityOptions, 'audit'>, context: SecurityContext): Promise<AuditSink | undefined> {
  const path = options.audit?.path ?? join(context.dataDir, 'audit.log');
  if (path === '') return undefined;
  // Queued lines are written at process exit (see AuditLogWriter), so shutdown needs no extra hook.
  const log = await openAuditLog({ ...options.audit, path, onError: (err) => context.logger.warn({ err, path }, 'audit log: events dropped') });
  return log.sink;
}

/** The security factory `converge serve` passes to `startConvergeServer` (`ConvergeServerOptions.security`). */
export function serveSecurity(options: ServeSecurityOptions): (context: SecurityContext) => Promise<ApiSecurity> {
  return async (context) => {
    const limiter = limiterFor(options, context);
    const audit = await auditFor(options, context);
    const { authorizer, stop } = await authorizerFor(context);
    return {
      authenticator: authenticatorFor(options),
      authorizer,
      stop,
      ...(limiter !== undefined ? { limiter } : {}),
      ...(audit !== undefined ? { audit } : {}),
    };
  };
}

/**
 * `factory` with its rate limiter and audit log built from `options` (`converge serve`'s `--max-requests-*`
 * and `--audit-*` flags) instead of the defaults; the other stages are `factory`'s own. The defaults'
 * audit writer is left unused: it opens its file only on a first line, so nothing is created.
 */
export function withServeLimits(
  factory: (context: SecurityContext) => ApiSecurity | Promise<ApiSecurity>,
  options: Pick<ServeSecurityOptions, 'limits' | 'audit'>,
): (context: SecurityContext) => Promise<ApiSecurity> {
  return async (context) => {
    const { limiter: _defaultLimiter, audit: _defaultAudit, ...stages } = await factory(context);
    const limiter = limiterFor(options, context);
    const audit = await auditFor(options, context);
    return { ...stages, ...(limiter !== undefined ? { limiter } : {}), ...(audit !== undefined ? { audit } : {}) };
  };
}

/** The user `converge serve`'s admin kubeconfig authenticates as. */
export const ADMIN_USER: UserInfo = { name: 'admin', groups: [SYSTEM_MASTERS] };
