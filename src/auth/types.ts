/**
 * The API server's security contract (issue #8), in kube-apiserver's order: authenticate the request (who),
 * admit it through the per-user rate limiter, authorize it (may they), run it with the user in the request
 * context, and audit it once it completes. Each stage is a small interface so TLS/tokens, RBAC, limits and
 * audit are separate parts; `ApiServerDeps.security` undefined means an open server (in-process tests only —
 * `converge serve` always sets it unless started with `--insecure-http`).
 */
import type { IncomingMessage } from 'node:http';

/** Members of this group may do anything (kube's `system:masters`); the admin kubeconfig's user is one. */
export const SYSTEM_MASTERS = 'system:masters';
/** Every authenticated user is in this group. */
export const SYSTEM_AUTHENTICATED = 'system:authenticated';

/** Who sent a request. */
export interface UserInfo {
  readonly name: string;
  /** Groups, including {@link SYSTEM_AUTHENTICATED}. */
  readonly groups: readonly string[];
  /** How the user was authenticated, for audit: `token`, `x509`, `internal`. */
  readonly method?: string;
  /**
   * Set when this is an impersonated user (`Impersonate-User` headers, `kubectl --as`): the authenticated user
   * who asked for it. Requests run and are authorized as the impersonated user; audit names both.
   */
  readonly impersonatedBy?: UserInfo;
}

/**
 * Finds the user a request authenticates as. Resolves undefined when the request carries no credentials at
 * all; rejects with `UnauthorizedError` when it carries credentials that are wrong, expired or revoked.
 */
export interface Authenticator {
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined>;
}

/** What a request wants to do, as RBAC sees it (kube's authorizer.Attributes). */
export interface RequestAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection; or the HTTP verb in lower case for non-resource paths. */
  readonly verb: string;
  readonly resourceRequest: boolean;
  /** API group (`""` for core). */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** URL path (for non-resource requests, e.g. `/version`, `/openapi/v2`). */
  readonly path: string;
}

/** An authorization decision; `reason` is for audit and logs. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** Decides whether a request may proceed. Never throws for a denial: it answers `{allowed: false}`. */
export interface Authorizer {
  authorize(attributes: RequestAttributes): Promise<Decision>;
}

/** Per-user request admission. Throws `TooManyRequestsError` (with `retryAfterSeconds`) to refuse. */
export interface RequestLimiter {
  /** Admits one request of `user`; the returned function must be called when the request completes. */
  admit(user: UserInfo, attributes: RequestAttributes): () => void;
}

/** One completed request, as the audit log records it. */
export interface AuditRecord {
  readonly user?: UserInfo;
  readonly attributes?: RequestAttributes;
  readonly method: string;
  readonly path: string;
  readonly code: number;
  readonly latencyMs: number;
  readonly startedAt: Date;
  readonly sourceIp?: string;
  /** Path and query as sent (kube's `requestURI`), at most the server's URL limit. */
  readonly requestURI?: string;
  /** The client's `User-Agent` header, at most 1,024 characters. */
  readonly userAgent?: string;
  /** The parsed request body, when a handler read one (see `requestContext`). */
  readonly requestBody?: unknown;
}

/** Where audit records go (a policy decides the level). Must not throw. */
export interface AuditSink {
  /** True when requests like this need their bodies kept (policy level Request). */
  wantsBody(attributes: RequestAttributes): boolean;
  record(record: AuditRecord): void;
}

/** The security stages of an API server; see the module comment. */
export interface ApiSecurity {
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly limiter?: RequestLimiter;
  readonly audit?: AuditSink;
  /** Releases what the stages hold (the RBAC cache's watches); the server calls it once, when it closes. */
  readonly stop?: () => void;
}
