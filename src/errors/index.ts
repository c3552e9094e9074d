/**
 * The one catalogue of Converge errors. Every error carries a stable `code`, the HTTP status the API
 * answers with, and an optional `cause`. Classify errors with the `is*` helpers, never by duck-typing.
 */

/** One field-level problem, rendered as a Kubernetes `StatusCause`. */
export interface FieldCause {
  /** Machine-readable reason, e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`. */
  readonly reason: string;
  /** Human-readable description of the problem. */
  readonly message: string;
  /** JSON path of the field, e.g. `spec.memoryMiB`. */
  readonly field: string;
}

/** Error codes, each mapped to a Kubernetes `Status.reason` and HTTP status. */
export const ErrorCode = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Compacted: 'Expired',
  Invalid: 'Invalid',
  BadRequest: 'BadRequest',
  MethodNotAllowed: 'MethodNotAllowed',
  NotAcceptable: 'NotAcceptable',
  UnsupportedMediaType: 'UnsupportedMediaType',
  RequestEntityTooLarge: 'RequestEntityTooLarge',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  TooManyRequests: 'TooManyRequests',
  Timeout: 'Timeout',
  Unavailable: 'ServiceUnavailable',
  Internal: 'InternalError',
  Terminal: 'Terminal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const httpStatusOf: Record<ErrorCode, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Expired: 410,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  Unauthorized: 401,
  Forbidden: 403,
  TooManyRequests: 429,
  Timeout: 504,
  ServiceUnavailable: 503,
  InternalError: 500,
  Terminal: 500,
};

/** Options shared by every Converge error. */
export interface ConvergeErrorOptions {
  readonly cause?: unknown;
  /** Field-level causes (for `Invalid`, `Conflict` of server-side apply, …). */
  readonly causes?: readonly FieldCause[];
  /** Kind or resource the error is about, used in `Status.details`. */
  readonly kind?: string;
  /** Object name the error is about, used in `Status.details`. */
  readonly name?: string;
  /** Seconds a client should wait before retrying (429/503). */
  readonly retryAfterSeconds?: number;
}

/** Base class: a message, a stable code, its HTTP status and optional details. */
export class ConvergeError extends Error {
  readonly code: ErrorCode;
  readonly causes: readonly FieldCause[];
  readonly kind: string | undefined;
  readonly objectName: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: ConvergeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.causes = options.causes ?? [];
    this.kind = options.kind;
    this.objectName = options.name;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** HTTP status code the API server answers with for this error. */
  get httpStatus(): number {
    return httpStatusOf[this.code];
  }
}

/** The key or object does not exist. */
export class NotFoundError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.NotFound, message, options);
  }
}

/** A create found the key already present. */
export class AlreadyExistsError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.AlreadyExists, message, options);
  }
}

/** A compare-and-swap lost: the object changed since the caller read it. */
export class ConflictError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Conflict, message, options);
  }
}

/** The requested revision has been compacted away (HTTP 410 Gone). */
export class CompactedError extends ConvergeError {
  /** The oldest revision still available. */
  readonly compactRevision: number;
  constructor(requested: number, compactRevision: number, options?: ConvergeErrorOptions) {
    super(
      ErrorCode.Compacted,
      `too old resource version: ${requested} (${compactRevision})`,
      options,
    );
    this.compactRevision = compactRevision;
  }
}

/** The object failed validation; `causes` names each bad field. */
export class InvalidError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Invalid, message, options);
  }
}

/** The request itself is malformed (bad JSON/YAML, bad query parameter, …). */
export class BadRequestError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.BadRequest, message, options);
  }
}

/** The request body exceeds the configured limit. */
export class RequestTooLargeError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.RequestEntityTooLarge, message, options);
  }
}

/** The request carries no credentials, or credentials that do not authenticate anyone (HTTP 401). */
export class UnauthorizedError extends ConvergeError {
  constructor(message = 'Unauthorized', options?: ConvergeErrorOptions) {
    super(ErrorCode.Unauthorized, message, options);
  }
}

/** The authenticated user may not do this (HTTP 403). The message says who, what and where, as kube does. */
export class ForbiddenError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Forbidden, message, options);
  }
}

/** The client sent too many requests; `retryAfterSeconds` says when to come back (HTTP 429 + Retry-After). */
export class TooManyRequestsError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.TooManyRequests, message, options);
  }
}

/** A dependency (store, provider) is not reachable right now; retrying later may succeed. */
export class UnavailableError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Unavailable, message, options);
  }
}

/** An error that retrying cannot fix; reconcilers must not requeue on it. */
export class TerminalError extends ConvergeError {
  constructor(message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Terminal, message, options);
  }
}

/** True if `err` is a Converge error with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is ConvergeError {
  return err instanceof ConvergeError && err.code === code;
}

/** True for a lost compare-and-swap. */
export const isConflict = (err: unknown): err is ConflictError => err instanceof ConflictError;
/** True for a missing key or object. */
export const isNotFound = (err: unknown): err is NotFoundError => err instanceof NotFoundError;
/** True when a create found the key present. */
export const isAlreadyExists = (err: unknown): err is AlreadyExistsError =>
  err instanceof AlreadyExistsError;
/** True when a revision was compacted away. */
export const isCompacted = (err: unknown): err is CompactedError => err instanceof CompactedError;
/** True for validation failures. */
export const isInvalid = (err: unknown): err is InvalidError => err instanceof InvalidError;
/** True for errors that must not be retried. */
export const isTerminal = (err: unknown): err is TerminalError => err instanceof TerminalError;
/** True when retrying later may succeed (conflicts, unavailability, timeouts, rate limits). */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ConvergeError)) return true;
  return (
    err.code === ErrorCode.Conflict ||
    err.code === ErrorCode.Unavailable ||
    err.code === ErrorCode.Timeout ||
    err.code === ErrorCode.TooManyRequests ||
    err.code === ErrorCode.Internal
  );
}
