/**
 * What a reconciler is asked to do: the key of one object, never the event that triggered it
 * (level-based, as controller-runtime's `reconcile.Request`). Keys are `namespace/name`, or `name` for
 * cluster-scoped objects (client-go's `MetaNamespaceKeyFunc`).
 */
import type { KubeObject } from '../../schemas/object.js';
import type { Logger } from '../observability/logger.js';

/** The object to reconcile. */
export interface Request {
  readonly namespace?: string;
  readonly name: string;
}

/** What a reconcile asks for besides success: run again after a delay (e.g. to poll an external resource). */
export interface ReconcileResult {
  /** Reconcile this key again after this many ms (the key's backoff is reset). */
  readonly requeueAfterMs?: number;
}

/** Per-reconcile context the controller passes besides the request and the abort signal. */
export interface ReconcileContext {
  /** Child logger bound to controller, namespace, name and reconcileID. */
  readonly logger: Logger;
  /** Unique id of this reconcile, for correlating log lines. */
  readonly reconcileID: string;
}

/**
 * Brings one object's world in line with its spec. Resolving = success (optionally requeue later);
 * throwing = retry with per-key backoff; a `TerminalError` = no retry; a `ConflictError` = silent retry.
 * `signal` aborts on shutdown and on the per-reconcile timeout; long waits must honour it.
 */
export type Reconciler = (
  request: Request,
  signal: AbortSignal,
  context: ReconcileContext,
) => Promise<ReconcileResult | void>;

/** The queue key of a request. */
export function keyOfRequest(request: Request): string {
  return request.namespace !== undefined && request.namespace !== '' ? `${request.namespace}/${request.name}` : request.name;
}

/** The queue key of an object. */
export function keyOfObject(obj: KubeObject): string {
  return keyOfRequest({ ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name });
}

/** The request a queue key stands for (inverse of {@link keyOfRequest}). */
export function requestOfKey(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
