import type { JsonValue, KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { applyJsonPatch, applyMergePatch } from '../apiserver/util/patch.js';
import { withoutResourceVersion } from './codec.js';
import type { RegistryContext } from './context.js';
import { updateObject, type UpdateOptions } from './write.js';

/** A JSON merge patch (RFC 7386) or JSON patch (RFC 6902) body. */
export interface ObjectPatch {
  readonly type: 'merge' | 'json';
  readonly body: JsonValue;
}

/** Options of {@link patchObject}. */
export interface PatchObjectOptions extends Omit<UpdateOptions, 'mutate'> {
  /** Most operations one JSON patch may carry. */
  readonly maxOperations: number;
}

/**
 * Patches an object (or its status). The patch is applied to the stored object without its resourceVersion,
 * so it is re-applied to a fresh read when another writer wins the race, unless the patch itself sets
 * `metadata.resourceVersion` (then a precondition). Shared by the HTTP API and the in-process client.
 */
export function patchObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patch: ObjectPatch,
  options: PatchObjectOptions,
): Promise<KubeObject> {
  const { maxOperations, ...update } = options;
  const mutate = (current: KubeObject): unknown => {
    const base = withoutResourceVersion(current) as unknown as JsonValue;
    return patch.type === 'merge' ? applyMergePatch(base, patch.body) : applyJsonPatch(base, patch.body, { maxOperations });
  };
  return updateObject(ctx, type, namespace, name, undefined, { ...update, mutate });
}
