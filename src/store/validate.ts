/**
 * Argument checks shared by every backend, so that they reject the same inputs with the same errors.
 */
import { BadRequestError, CompactedError } from '../errors/index.js';

/** Rejects an empty key (etcd cannot store one; every Converge key is a path). */
export function checkKey(key: string): void {
  if (key.length === 0) throw new BadRequestError('store key must not be empty');
}

/** Rejects a negative or fractional limit; returns 0 for "no limit". */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined || limit === 0) return 0;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new BadRequestError(`range limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

/** Rejects a revision that is not a positive integer (0 is allowed where it means "none"). */
export function checkRevision(what: string, revision: number): void {
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new BadRequestError(`${what} must be a non-negative integer, got ${revision}`);
  }
}

/**
 * The revision a range is served at: `requested` (undefined or 0 = `current`), which must lie in
 * `[compacted, current]` — older is {@link CompactedError}, newer is {@link BadRequestError}.
 */
export function rangeRevision(requested: number | undefined, current: number, compacted: number): number {
  if (requested === undefined || requested === 0) return current;
  checkRevision('range revision', requested);
  if (requested > current) {
    throw new BadRequestError(`revision ${requested} is newer than the store's current revision ${current}`);
  }
  if (requested < compacted) throw new CompactedError(requested, compacted);
  return requested;
}

/**
 * Checks a compaction target: a non-negative integer not above `current`. Returns false when there is
 * nothing to do because history at and below it is already gone.
 */
export function compactTarget(revision: number, current: number, compacted: number): boolean {
  checkRevision('compact revision', revision);
  if (revision > current) {
    throw new BadRequestError(`cannot compact at ${revision}: newer than the current revision ${current}`);
  }
  return revision > compacted;
}
