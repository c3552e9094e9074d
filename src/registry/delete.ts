import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { ConflictError, isConflict, isNotFound } from '../errors/index.js';
import { encodeObject, decodeObject, parseResourceVersion } from './codec.js';
import { rfc3339, type RegistryContext, type WriteOptions } from './context.js';
import { objectKey } from './keys.js';
import { modified, notFound } from './names.js';
import { getObject } from './read.js';

/** Preconditions of a delete (`DeleteOptions.preconditions`). */
export interface DeletePreconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** Options of {@link deleteObject}. */
export interface DeleteOptions extends WriteOptions {
  readonly preconditions?: DeletePreconditions;
}

/** Outcome of a delete: the object, and whether it is gone or waits for finalizers. */
export interface DeleteResult {
  readonly object: KubeObject;
  /** True when the object was removed from the store; false when it is terminating behind finalizers. */
  readonly removed: boolean;
}

const MAX_RETRIES = 8;

function checkPreconditions(type: ResourceType, current: KubeObject, pre: DeletePreconditions | undefined): void {
  if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
    throw new ConflictError(
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.metadata.uid)}`,
      { kind: type.plural, name: current.metadata.name },
    );
  }
  if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw new ConflictError(
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(current.metadata.resourceVersion)}`,
      { kind: type.plural, name: current.metadata.name },
    );
  }
}

/**
 * Deletes an object. With finalizers present it only sets `deletionTimestamp` (once; generation bumps) and the
 * object stays until the last finalizer is removed by an update. Without finalizers it is removed at once.
 */
export async function deleteObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  for (let attempt = 0; ; attempt++) {
    const current = await getObject(ctx, type, namespace, name);
    checkPreconditions(type, current, options.preconditions);
    const key = objectKey(type, namespace, name);
    const expected = parseResourceVersion(current.metadata.resourceVersion) ?? 0;
    try {
      if ((current.metadata.finalizers ?? []).length > 0) {
        if (current.metadata.deletionTimestamp !== undefined) return { object: current, removed: false };
        const terminating: KubeObject = {
          ...current,
          metadata: {
            ...current.metadata,
            deletionTimestamp: rfc3339(ctx.now()),
            deletionGracePeriodSeconds: 0,
            generation: (current.metadata.generation ?? 1) + 1,
          },
        };
        if (options.dryRun) return { object: terminating, removed: false };
        const { kv } = await ctx.backend.update(key, encodeObject(terminating), expected);
        return { object: decodeObject(kv), removed: false };
      }
      if (options.dryRun) return { object: current, removed: true };
      const { kv } = await ctx.backend.delete(key, expected);
      return { object: { ...current, metadata: { ...current.metadata, resourceVersion: String(kv.modRevision) } }, removed: true };
    } catch (err) {
      if (isConflict(err) && attempt < MAX_RETRIES && options.preconditions?.resourceVersion === undefined) continue;
      if (isConflict(err)) throw modified(type, name);
      if (isNotFound(err)) throw notFound(type, name);
      throw err;
    }
  }
}
