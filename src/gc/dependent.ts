/**
 * The dependent's side of garbage collection (kube's attemptToDeleteItem): an object whose ownerReferences
 * no longer resolve to a live owner is deleted. Each reference is classified by a live read of the owner:
 * solid (exists with that uid), dangling (missing, or re-created with another uid) or waiting (being deleted
 * in the foreground). Doubt keeps the object: a reference to a kind the collector does not watch, or one that
 * kube's scoping rule makes unresolvable, counts as solid.
 */
import type { KubeObject, OwnerReference } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { isNotFound } from '../errors/index.js';
import type { Logger } from '../observability/logger.js';
import { FOREGROUND_FINALIZER, PropagationPolicy } from '../registry/delete.js';
import { EventType } from '../runtime/events.js';
import { removeOwnerReferences, type GcContext } from './context.js';
import { describeRef, keyOfLocation, ownerLocation, ownerTypeOf } from './refs.js';

/** What became of a dependent. */
export const DependentOutcome = {
  /** At least one owner is alive (or in doubt) and no reference needed removing. */
  Kept: 'Kept',
  /** References to dead or foreground-deleting owners were removed; a live owner keeps it. */
  Stripped: 'Stripped',
  /** Deleted and gone. */
  Deleted: 'Deleted',
  /** Deletion requested; finalizers keep it for now (or it was already terminating). */
  Terminating: 'Terminating',
} as const;
export type DependentOutcome = (typeof DependentOutcome)[keyof typeof DependentOutcome];

/** State of one owner reference. */
const OwnerState = { Solid: 'Solid', Dangling: 'Dangling', Waiting: 'Waiting' } as const;
type OwnerState = (typeof OwnerState)[keyof typeof OwnerState];

/** Logs once per kind that references to it are never resolved (the collector does not serve it). */
function unknownKind(ctx: GcContext, ref: OwnerReference): void {
  if (ctx.firstTime(`unknown:${ref.apiVersion}/${ref.kind}`)) {
    ctx.logger.info({ apiVersion: ref.apiVersion, kind: ref.kind }, 'owner references to a kind Converge does not serve are left alone');
  }
}

/**
 * True when the cache alone shows every owner alive (or in doubt), so no API call is needed. False sends the
 * object down the live path, which decides; a stale cache can only delay a deletion, never cause one.
 */
export function ownersLookAlive(ctx: GcContext, obj: KubeObject): boolean {
  for (const ref of obj.metadata.ownerReferences ?? []) {
    const type = ownerTypeOf(ref, ctx.types);
    if (type === undefined) {
      unknownKind(ctx, ref);
      continue;
    }
    const location = ownerLocation(obj, type, ref);
    if (location.kind === 'invalid') return false;
    const owner = ctx.cacheOf(type).get(keyOfLocation(location));
    if (owner === undefined || owner.metadata.uid !== ref.uid || owner.metadata.deletionTimestamp !== undefined) return false;
  }
  return true;
}

async function stateOf(ctx: GcContext, dependent: KubeObject, ref: OwnerReference, logger: Logger): Promise<OwnerState> {
  const type = ownerTypeOf(ref, ctx.types);
  if (type === undefined) {
    unknownKind(ctx, ref);
    return OwnerState.Solid;
  }
  const location = ownerLocation(dependent, type, ref);
  if (location.kind === 'invalid') {
    if (ctx.firstTime(`invalid:${dependent.metadata.uid ?? ''}:${ref.uid}`)) {
      logger.warn({ owner: describeRef(ref) }, 'cluster-scoped object names a namespaced owner; the reference cannot be resolved');
    }
    ctx.recorder.event(dependent, EventType.Warning, 'OwnerRefInvalidNamespace', `ownerRef ${describeRef(ref)} is namespaced and cannot own a cluster-scoped object; left alone`);
    return OwnerState.Solid;
  }
  let owner: KubeObject;
  try {
    owner = await ctx.client.get(type, location.request.namespace, location.request.name);
  } catch (err) {
    if (isNotFound(err)) return OwnerState.Dangling;
    throw err;
  }
  if (owner.metadata.uid !== ref.uid) return OwnerState.Dangling;
  if (owner.metadata.deletionTimestamp !== undefined && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) return OwnerState.Waiting;
  return OwnerState.Solid;
}

/**
 * Deletes `dependent` (read live, not terminating) when no owner is alive, or removes the references to dead
 * and foreground-deleting owners when another owner is alive. Deletes carry uid and resourceVersion
 * preconditions, so a newer object of the same name or a concurrent change (a conflict, which requeues) is
 * never deleted on an outdated judgement. Foreground when a foreground-deleting owner is blocked by it, so
 * its own dependents go first; Background otherwise.
 */
export async function collectDependent(ctx: GcContext, type: ResourceType, dependent: KubeObject, logger: Logger): Promise<DependentOutcome> {
  if (dependent.metadata.deletionTimestamp !== undefined) return DependentOutcome.Terminating;
  const refs = dependent.metadata.ownerReferences ?? [];
  if (refs.length === 0) return DependentOutcome.Kept;
  const states = new Map<OwnerReference, OwnerState>();
  for (const ref of refs) states.set(ref, await stateOf(ctx, dependent, ref, logger));
  const gone = refs.filter((r) => states.get(r) !== OwnerState.Solid);
  if (gone.length === 0) return DependentOutcome.Kept;
  if (gone.length < refs.length) {
    await removeOwnerReferences(ctx, type, dependent, new Set(gone.map((r) => r.uid)));
    const what = gone.map(describeRef).join(', ');
    logger.info({ removed: what }, 'removed references to owners that are gone; another owner is alive');
    ctx.recorder.event(dependent, EventType.Normal, 'OwnerRefRemoved', `garbage collector removed owner references ${what}: owner gone; another owner is alive`);
    return DependentOutcome.Stripped;
  }
  const blocksWaiting = refs.some((r) => states.get(r) === OwnerState.Waiting && r.blockOwnerDeletion === true);
  const policy = blocksWaiting ? PropagationPolicy.Foreground : PropagationPolicy.Background;
  const { uid, resourceVersion } = dependent.metadata;
  let result: KubeObject | undefined;
  try {
    result = await ctx.client.delete(type, dependent.metadata.namespace, dependent.metadata.name, {
      preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
      propagationPolicy: policy,
    });
  } catch (err) {
    if (isNotFound(err)) return DependentOutcome.Deleted;
    throw err;
  }
  const owners = refs.map(describeRef).join(', ');
  ctx.metrics.deleted(type.kind);
  logger.info({ owners, propagationPolicy: policy }, 'deleted dependent: no owner is alive');
  ctx.recorder.event(dependent, EventType.Normal, 'GarbageCollected', `deleted by the garbage collector (${policy}): its owners ${owners} are gone or being deleted`);
  return result?.metadata.deletionTimestamp !== undefined ? DependentOutcome.Terminating : DependentOutcome.Deleted;
}
