/**
 * Translates etcd3 client errors into the Converge catalogue. etcd reports semantic failures through gRPC
 * status codes plus fixed message texts (`mvcc: required revision has been compacted`, …), so those texts
 * are what we match; connection-level failures become {@link UnavailableError}.
 */
import {
  ClientClosedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';
import {
  BadRequestError,
  ConvergeError,
  RequestTooLargeError,
  UnavailableError,
} from '../../errors/index.js';

/** True when etcd refused a read or compaction because the revision is compacted. */
export function isCompactedRevision(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

/** True when etcd refused a revision it has not reached yet. */
export function isFutureRevision(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}

const unavailableTexts = ['no leader', 'leader changed', 'request timed out', 'too many requests', 'not capable'];

/** True for failures to reach a healthy etcd (retrying later may succeed). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // cockatiel's BrokenCircuitError (etcd3's circuit breaker) is recognised by its marker property, the way
  // cockatiel's own isBrokenCircuitError does; cockatiel is not a direct dependency.
  if ('isBrokenCircuitError' in err) return true;
  return (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof ClientClosedError ||
    isRecoverableError(err) ||
    unavailableTexts.some((text) => err.message.includes(text))
  );
}

/**
 * The catalogue error for an etcd failure during `what` (e.g. "get /registry/…"). Compaction is not
 * handled here: the caller knows the revision it asked for.
 */
export function mapEtcdError(err: unknown, what: string): unknown {
  if (err instanceof ConvergeError) return err;
  if (isFutureRevision(err)) return new BadRequestError(`${what}: revision is newer than etcd's current revision`, { cause: err });
  if (err instanceof Error && err.message.includes('request is too large')) {
    return new RequestTooLargeError(`${what}: etcd rejected the request as too large`, { cause: err });
  }
  if (isConnectionError(err)) {
    return new UnavailableError(`${what}: etcd unavailable: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      retryAfterSeconds: 1,
    });
  }
  return err;
}
