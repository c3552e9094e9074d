import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RegistryContext } from '../registry/index.js';
import type { ResourceType } from '../../schemas/types.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiSecurity, UserInfo } from '../auth/types.js';

/** Limits the API server enforces on every request. */
export interface ApiLimits {
  /** Largest accepted request body (default 3 MiB, like kube-apiserver). Larger → 413. */
  readonly maxBodyBytes: number;
  /** Most operations in one JSON patch (default 10,000). */
  readonly maxPatchOperations: number;
  /** Interval between watch BOOKMARK events when a client allows them (default 60 s). */
  readonly bookmarkIntervalMs: number;
  /** Upper bound of a watch's lifetime when the client gives no `timeoutSeconds` (default 30–60 min, randomised). */
  readonly minWatchTimeoutSeconds: number;
  /**
   * Events that may queue for one watch client that reads too slowly before its stream is ended (it then
   * re-watches from the last resourceVersion it received), so that it never holds up other watchers or grows
   * without bound (default 10,000; more than the 1,000 writes one store commit may carry).
   */
  readonly watchQueueLines: number;
}

/** Defaults matching kube-apiserver. */
export const defaultLimits: ApiLimits = {
  maxBodyBytes: 3 * 1024 * 1024,
  maxPatchOperations: 10_000,
  bookmarkIntervalMs: 60_000,
  minWatchTimeoutSeconds: 1800,
  watchQueueLines: 10_000,
};

/**
 * A non-resource path tree served next to the API (e.g. the simulated cloud's admin endpoint `/sim/v1`).
 * It gets every request whose path is `prefix` or starts with `prefix/`, answers it and resolves with the
 * HTTP status written; thrown catalogue errors become `Status` responses like any other.
 */
export interface ApiExtension {
  /** Path prefix without a trailing slash, e.g. `/sim/v1`. Must not start with `/api`, `/apis` or `/openapi`. */
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, limits: ApiLimits): Promise<number>;
}

/**
 * A read-only subresource served by some kinds (like a Pod's `log`): `GET …/<plural>/<name>/<name of this>`.
 * The object is read first, so a missing one is a 404 as for any GET.
 */
export interface ApiSubresource {
  /** Path segment, e.g. `journal`. */
  readonly name: string;
  serves(type: ResourceType): boolean;
  /** The JSON body to answer with for `obj`. */
  get(type: ResourceType, obj: KubeObject): Promise<unknown>;
}

/**
 * A create-only resource that is computed, not stored (kube's "review" kinds such as SelfSubjectAccessReview):
 * `POST /apis/<group>/<version>/<plural>` with an object body answers 201 with that object, `status` filled in.
 * Discovery lists it with the single verb `create`; every other verb is 405.
 */
export interface ApiReview {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  /**
   * Answers one review for `user` (undefined when the server runs without security). `body` is the decoded
   * request body, not yet validated: throw `InvalidError` with causes naming each bad field.
   */
  review(body: unknown, user: UserInfo | undefined): Promise<unknown>;
}

/** Everything the request handlers need, created once per server. */
export interface ApiServerDeps {
  readonly registry: RegistryContext;
  readonly types: readonly ResourceType[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly limits: ApiLimits;
  /** Resolves when the store answers; used by `/readyz`. */
  readonly checkStore: () => Promise<void>;
  /** Extra read-only subresources; see {@link ApiSubresource}. */
  readonly subresources?: readonly ApiSubresource[];
  /** Computed create-only kinds; see {@link ApiReview}. */
  readonly reviews?: readonly ApiReview[];
  /** Extra non-resource endpoints; see {@link ApiExtension}. */
  readonly extensions?: readonly ApiExtension[];
  /**
   * Authentication, rate limits, authorization and audit (see src/auth/types.ts). Undefined serves everyone
   * everything: only for in-process tests and `converge serve --insecure-http`.
   */
  readonly security?: ApiSecurity;
}
