/**
 * The allocator's one error of its own. It specialises a catalogue class (`UnavailableError`'s code) so
 * that catalogue classification keeps working, and adds a type a controller can branch on to report a
 * `PoolExhausted` condition instead of a generic failure.
 */
import { ConvergeError, ErrorCode, type ConvergeErrorOptions } from '../errors/index.js';

/**
 * The pool has no free block of the requested size. Retryable (not terminal): releasing an allocation or
 * growing the pool fixes it without any change to the requesting object.
 */
export class PoolExhaustedError extends ConvergeError {
  /** Name of the exhausted pool. */
  readonly pool: string;
  constructor(pool: string, message: string, options?: ConvergeErrorOptions) {
    super(ErrorCode.Unavailable, message, { kind: 'Pool', name: pool, ...options });
    this.pool = pool;
  }
}

/** True when `err` is a {@link PoolExhaustedError}. */
export const isPoolExhausted = (err: unknown): err is PoolExhaustedError => err instanceof PoolExhaustedError;
