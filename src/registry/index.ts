import { randomUUID } from 'node:crypto';
import type { Backend } from '../store/types.js';
import type { RegistryContext } from './context.js';

export type { RegistryContext, WriteOptions } from './context.js';
export { getObject, listObjects, type ListOptions, type ListPage, type ListPosition } from './read.js';
export { createObject, updateObject, type UpdateOptions, type Subresource } from './write.js';
export { patchObject, type ObjectPatch, type PatchObjectOptions } from './patch.js';
export { applyObject, type ApplyObjectOptions, type ApplyObjectResult } from './apply.js';
export { deleteObject, type DeleteOptions, type DeleteResult, type DeletePreconditions } from './delete.js';
export { watchObjects, type ObjectWatch, type ObjectEvent, type ObjectWatchOptions } from './watch.js';
export { qualifiedResource } from './names.js';
export { objectKey, collectionPrefix } from './keys.js';

/** Options of {@link createRegistryContext}. */
export interface RegistryContextOptions {
  readonly backend: Backend;
  readonly now?: () => Date;
  readonly newUid?: () => string;
}

/** Builds the context every registry verb takes, with the real clock and uid generator by default. */
export function createRegistryContext(options: RegistryContextOptions): RegistryContext {
  return {
    backend: options.backend,
    now: options.now ?? (() => new Date()),
    newUid: options.newUid ?? randomUUID,
  };
}
