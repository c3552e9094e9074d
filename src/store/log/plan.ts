/**
 * The semantics of a write in a log-structured store, shared by the memory and sqlite backends so both
 * decide create-if-absent and update/delete-if-modRevision identically.
 */
import { AlreadyExistsError, ConflictError, NotFoundError, type ConvergeError } from '../../errors/index.js';
import type { LogRow } from './row.js';

/** One requested write. */
export type WriteOp =
  | { readonly kind: 'create'; readonly key: string; readonly value: string }
  | { readonly kind: 'update'; readonly key: string; readonly value: string; readonly expected: number }
  | { readonly kind: 'delete'; readonly key: string; readonly expected?: number };

/** Decides the row `op` appends at revision `id` given the key's newest row, or the error it fails with. */
export function planWrite(op: WriteOp, prev: LogRow | undefined, id: number): LogRow | ConvergeError {
  const live = prev !== undefined && !prev.deleted ? prev : undefined;
  if (op.kind === 'create') {
    if (live !== undefined) return new AlreadyExistsError(`key ${op.key} already exists`);
    return {
      id,
      name: op.key,
      created: true,
      deleted: false,
      createRevision: id,
      prevRevision: prev?.id ?? 0,
      value: op.value,
      oldValue: null,
    };
  }
  if (live === undefined) return new NotFoundError(`key ${op.key} not found`);
  if (op.expected !== undefined && op.expected !== live.id) {
    return new ConflictError(`key ${op.key} is at revision ${live.id}, not ${op.expected}`);
  }
  const deleted = op.kind === 'delete';
  return {
    id,
    name: op.key,
    created: false,
    deleted,
    createRevision: live.createRevision,
    prevRevision: live.id,
    value: deleted ? live.value : op.value,
    oldValue: live.value,
  };
}
