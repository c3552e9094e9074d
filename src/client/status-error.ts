import {
  AlreadyExistsError,
  BadRequestError,
  CompactedError,
  ConflictError,
  ConvergeError,
  ErrorCode,
  InvalidError,
  NotFoundError,
  UnavailableError,
  type FieldCause,
} from '../errors/index.js';

/** The parts of a Kubernetes `Status` body the client reads. */
interface StatusBody {
  readonly message?: unknown;
  readonly reason?: unknown;
  readonly code?: unknown;
  readonly details?: { readonly causes?: unknown; readonly name?: unknown; readonly kind?: unknown; readonly retryAfterSeconds?: unknown };
}

function causesOf(details: StatusBody['details']): FieldCause[] {
  if (!Array.isArray(details?.causes)) return [];
  return details.causes.flatMap((c: unknown) => {
    if (c === null || typeof c !== 'object') return [];
    const { reason, message, field } = c as Record<string, unknown>;
    return [{ reason: String(reason ?? ''), message: String(message ?? ''), field: String(field ?? '') }];
  });
}

/**
 * Turns an HTTP error answer (a Kubernetes `Status`, or any body) into the catalogue's error class, so callers
 * classify errors the same way whichever client they use.
 */
export function errorFromStatus(httpStatus: number, body: unknown): ConvergeError {
  const status = (body !== null && typeof body === 'object' ? body : {}) as StatusBody;
  const message = typeof status.message === 'string' && status.message ? status.message : `HTTP ${httpStatus}`;
  const details = status.details;
  const options = {
    causes: causesOf(details),
    ...(typeof details?.name === 'string' ? { name: details.name } : {}),
    ...(typeof details?.kind === 'string' ? { kind: details.kind } : {}),
    ...(typeof details?.retryAfterSeconds === 'number' ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
  };
  switch (httpStatus) {
    case 400:
      return new BadRequestError(message, options);
    case 404:
      return new NotFoundError(message, options);
    case 409:
      return status.reason === 'AlreadyExists' ? new AlreadyExistsError(message, options) : new ConflictError(message, options);
    case 410:
      return new CompactedError(0, 0, { ...options, cause: message });
    case 422:
      return new InvalidError(message, options);
    case 502:
    case 503:
    case 504:
      return new UnavailableError(message, options);
    default: {
      const code = (Object.values(ErrorCode) as string[]).includes(String(status.reason)) ? (status.reason as ErrorCode) : ErrorCode.Internal;
      return new ConvergeError(httpStatus === 500 ? ErrorCode.Internal : code, message, options);
    }
  }
}
