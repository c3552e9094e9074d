import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { ConflictError, isConflict, isNotFound } from '../errors/index.js';
import { encodeObject, decodeObject, parseResourceVersion } from './codec.js';
import { rfc3339, type RegistryContext, type WriteOptions } from './context.js';
import { objectKey } from './keys.js';
import { modified, notFound } from './names.js';
import { getObject } from './read.js';
import { checkNamespaceDeletable, heldBySpecFinalizers, isNamespaceType, terminatingNamespace } from './namespace.js';

/** Preconditions of a delete (`DeleteOptions.preconditions`). */
export interface DeletePreconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** How deletion treats the object's dependents (`DeleteOptions.propagationPolicy`), as Kubernetes. */
export const PropagationPolicy = { Orphan: 'Orphan', Background: 'Background', Foreground: 'Foreground' } as const;
export type PropagationPolicy = (typeof PropagationPolicy)[keyof typeof PropagationPolicy];

/** Finalizer asking the garbage collector to strip this owner from its dependents' ownerReferences first. */
export const ORPHAN_FINALIZER = 'orphan';
/** Finalizer asking the garbage collector to delete this owner's dependents first (foreground cascading). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** Options of {@link deleteObject}. */
export interface DeleteOptions extends WriteOptions {
  readonly preconditions?: DeletePreconditions;
  /** Default: whatever GC finalizer the object already carries, else Background (kube's default for CRDs). */
  readonly propagationPolicy?: PropagationPolicy;
  /** Deprecated form of `propagationPolicy: Orphan` (true) / Background (false); never set with it. */
  readonly orphanDependents?: boolean;
}

/** Outcome of a delete: the object, and whether it is gone or waits for finalizers. */
export interface DeleteResult {
  readonly object: KubeObject;
  /** True when the object was removed from the store; false when it is terminating behind finalizers. */
  readonly removed: boolean;
}

const MAX_RETRIES = 8;

/** kube-apiserver's shouldOrphanDependents / shouldDeleteDependents: options, then existing finalizers. */
function wantedGcFinalizer(existing: readonly string[], options: DeleteOptions): string | undefined {
  if (options.orphanDependents !== undefined) return options.orphanDependents ? ORPHAN_FINALIZER : undefined;
  switch (options.propagationPolicy) {
    case PropagationPolicy.Orphan:
      return ORPHAN_FINALIZER;
    case PropagationPolicy.Foreground:
      return FOREGROUND_FINALIZER;
    case PropagationPolicy.Background:
      return undefined;
    default:
      return existing.find((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
  }
}

/**
 * The finalizers the object carries once this delete is applied: its own, with the garbage collector's
 * replaced by the one the options ask for (kube's deletionFinalizersForGarbageCollection).
 */
export function finalizersAfterDelete(existing: readonly string[], options: Pick<DeleteOptions, 'propagationPolicy' | 'orphanDependents'>): string[] {
  const wanted = wantedGcFinalizer(existing, options);
  const kept = existing.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  return wanted === undefined ? kept : [...kept, wanted];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

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
 * Deletes an object. The garbage collector's finalizer is set first as the propagation policy asks (`orphan`
 * for Orphan, `foregroundDeletion` for Foreground, neither for Background), also on an object already
 * terminating, as kube-apiserver does. With finalizers present it only sets `deletionTimestamp` (once;
 * generation bumps) and the object stays until the last finalizer is removed by an update. Without
 * finalizers it is removed at once. Dry-run computes the same answer and writes nothing. A Namespace is also
 * held by its `spec.finalizers` (it becomes `Terminating`), and the built-in ones are never deleted (403); see
 * namespace.ts.
 */
export async function deleteObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions = {},
): Promise<DeleteResult> {
  if (isNamespaceType(type)) checkNamespaceDeletable(name);
  for (let attempt = 0; ; attempt++) {
    const current = await getObject(ctx, type, namespace, name);
    checkPreconditions(type, current, options.preconditions);
    const key = objectKey(type, namespace, name);
    const expected = parseResourceVersion(current.metadata.resourceVersion) ?? 0;
    try {
      const existing = current.metadata.finalizers ?? [];
      const finalizers = finalizersAfterDelete(existing, options);
      const finalizersChanged = !sameSet(existing, finalizers);
      // A Namespace waits for its spec.finalizers too (the namespace controller empties it first).
      if (finalizers.length > 0 || heldBySpecFinalizers(current)) {
        const alreadyDeleting = current.metadata.deletionTimestamp !== undefined;
        if (alreadyDeleting && !finalizersChanged) return { object: current, removed: false };
        const marked: KubeObject = {
          ...current,
          metadata: {
            ...current.metadata,
            ...(finalizersChanged ? { finalizers } : {}),
            ...(alreadyDeleting
              ? {}
              : { deletionTimestamp: rfc3339(ctx.now()), deletionGracePeriodSeconds: 0, generation: (current.metadata.generation ?? 1) + 1 }),
          },
        };
        const terminating = isNamespaceType(type) ? terminatingNamespace(marked) : marked;
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
