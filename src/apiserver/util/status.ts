/**
 * Kubernetes `Status` objects (meta/v1), the body of every error response and of some delete responses.
 * Field names, `omitempty` behaviour and reasons follow apimachinery so client libraries decode them natively.
 */
import { ConvergeError, ErrorCode } from '../../errors/index.js';

/** One cause of a failure (`metav1.StatusCause`). */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** Extra data about a failure or success (`metav1.StatusDetails`); empty fields are left out. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** A `Status` object as serialised on the wire. */
export interface StatusObject {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** What to answer for an error: HTTP status, `Status` body and headers (`Retry-After` when applicable). */
export interface ErrorResponse {
  readonly code: number;
  readonly body: StatusObject;
  readonly headers: Readonly<Record<string, string>>;
}

/** Message for failures that are not Converge errors: their text may hold internals and is never sent. */
export const INTERNAL_ERROR_MESSAGE = 'Internal error occurred: an unexpected error occurred; see the server log';

function reasonOf(err: ConvergeError): string {
  // Terminal is a reconciler notion, not a Kubernetes reason; over HTTP it is an internal error.
  return err.code === ErrorCode.Terminal ? ErrorCode.Internal : err.code;
}

function details(err: ConvergeError): StatusDetails | undefined {
  const d: { -readonly [K in keyof StatusDetails]: StatusDetails[K] } = {};
  if (err.objectName) d.name = err.objectName;
  if (err.kind) d.kind = err.kind;
  if (err.causes.length > 0) {
    d.causes = err.causes.map((c) => ({
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.field ? { field: c.field } : {}),
    }));
  }
  if (err.retryAfterSeconds !== undefined && err.retryAfterSeconds > 0) {
    d.retryAfterSeconds = Math.ceil(err.retryAfterSeconds);
  }
  return Object.keys(d).length > 0 ? d : undefined;
}

/**
 * Builds the response for any thrown value. A {@link ConvergeError} keeps its HTTP status, message, reason (its
 * code), name/kind/causes and retry-after (also as a `Retry-After` header). Anything else becomes a 500
 * `InternalError` with {@link INTERNAL_ERROR_MESSAGE}: the caller logs the original, the client never sees it.
 */
export function statusFromError(err: unknown): ErrorResponse {
  if (!(err instanceof ConvergeError)) {
    return {
      code: 500,
      body: failure({ code: 500, reason: ErrorCode.Internal, message: INTERNAL_ERROR_MESSAGE }),
      headers: {},
    };
  }
  const d = details(err);
  const body = failure({ code: err.httpStatus, reason: reasonOf(err), message: err.message, ...(d ? { details: d } : {}) });
  const headers: Record<string, string> =
    d?.retryAfterSeconds !== undefined ? { 'Retry-After': String(d.retryAfterSeconds) } : {};
  return { code: err.httpStatus, body, headers };
}

function failure(parts: { code: number; reason: string; message: string; details?: StatusDetails }): StatusObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    ...(parts.message ? { message: parts.message } : {}),
    reason: parts.reason,
    ...(parts.details ? { details: parts.details } : {}),
    code: parts.code,
  };
}

/**
 * The `Status` kube-apiserver answers a DELETE with when it has no object to return (and for deletecollection):
 * `status: Success`, code 200 and the given details (typically `{name, kind, uid}`; `group` for non-core kinds).
 */
export function successStatus(details?: StatusDetails): StatusObject {
  const kept = Object.entries(details ?? {}).filter(([, v]) => v !== undefined && v !== '');
  const d = kept.length > 0 ? (Object.fromEntries(kept) as StatusDetails) : undefined;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(d ? { details: d } : {}), code: 200 };
}
