/**
 * Turns what the AWS SDK throws into Converge errors whose one-line message says what failed, where, and what
 * to do: the user reads it in the Synced condition, so never a raw stack or an XML body. The SDK's own error
 * stays the `cause` for logs.
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { ConvergeError, ErrorCode, TerminalError, UnavailableError } from '../../errors/index.js';
import { endpointLabel, type S3Settings } from './settings.js';

/** S3 error codes meaning the credentials are wrong or lack permission. */
const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
  'Forbidden',
]);

/** Node/undici error codes meaning the endpoint could not be reached at all. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The S3 error code of `err`, when the service answered. */
export function s3ErrorCode(err: unknown): string | undefined {
  return err instanceof S3ServiceException ? err.name : undefined;
}

/** The HTTP status of a service answer, when there was one. */
export function s3HttpStatus(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

/** True when `err` is an S3 answer with one of `codes` (or, for bodiless HEAD answers, HTTP `status`). */
export function isS3Error(err: unknown, codes: readonly string[], status?: number): boolean {
  const code = s3ErrorCode(err);
  if (code !== undefined && codes.includes(code)) return true;
  return status !== undefined && s3HttpStatus(err) === status;
}

function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (e.name === 'TimeoutError') return 'timeout';
  }
  return undefined;
}

/** What was being done when an error happened, for its message. */
export interface S3Operation {
  readonly settings: S3Settings;
  /** e.g. `HeadBucket`. */
  readonly action: string;
  readonly bucket: string;
}

/**
 * Maps `err` from operation `op`: Converge errors and aborts pass through; an unreachable endpoint is a
 * retryable `UnavailableError` naming the endpoint; rejected credentials are `Forbidden` (retried with backoff,
 * and re-reconciled at once when the Secret changes) pointing at the Secret; a bucket name taken by someone
 * else is terminal; anything else is retryable and keeps the S3 code and message.
 */
export function s3Failure(err: unknown, op: S3Operation): Error {
  if (err instanceof ConvergeError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const where = endpointLabel(op.settings);
  const net = networkCode(err);
  if (net !== undefined) {
    return new UnavailableError(
      `S3 endpoint ${where} is unreachable (${net} during ${op.action}): check ProviderConfig "${op.settings.providerConfig}" spec.endpoint and that the service is running`,
      { cause: err },
    );
  }
  if (!(err instanceof S3ServiceException)) {
    const text = err instanceof Error ? err.message : String(err);
    return new UnavailableError(`S3 ${op.action} of bucket "${op.bucket}" at ${where} failed: ${text}`, { cause: err });
  }
  const status = err.$metadata.httpStatusCode;
  // Answers to HEAD requests carry no body, so no S3 code: the SDK calls them "Unknown" (or names the status).
  const code = (err.name === 'Unknown' || /^\d+$/.test(err.name)) && status !== undefined ? `HTTP ${status}` : err.name;
  if (CREDENTIAL_CODES.has(code) || status === 403) {
    const ref = op.settings.secretRef;
    return new ConvergeError(
      ErrorCode.Forbidden,
      `S3 ${op.action} of bucket "${op.bucket}" at ${where} was refused (${code}): check the credentials in Secret ${ref.namespace}/${ref.name} ` +
        `(keys accessKeyId and secretAccessKey) and that they may manage this bucket`,
      { cause: err },
    );
  }
  if (code === 'BucketAlreadyExists') {
    return new TerminalError(
      `bucket name "${op.bucket}" at ${where} belongs to another account: choose another name with annotation converge.io/external-name`,
      { cause: err },
    );
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return new UnavailableError(
      `S3 ${op.action} of bucket "${op.bucket}" at ${where}: the bucket lives in another region than "${op.settings.region}" (${code}): set ProviderConfig "${op.settings.providerConfig}" spec.region`,
      { cause: err },
    );
  }
  const detail = err.message !== '' && err.message !== code ? `: ${err.message}` : '';
  const httpStatus = status !== undefined && !code.startsWith('HTTP') ? `, HTTP ${status}` : '';
  const message = `S3 ${op.action} of bucket "${op.bucket}" at ${where} failed (${code}${httpStatus})${detail}`;
  // Retried with backoff even for client faults: most (NoSuchBucket in a race, a 409 OperationAborted) pass.
  return new UnavailableError(message, { cause: err });
}
