/**
 * The owner's side: an owner being deleted with the `orphan` finalizer has itself removed from every
 * dependent's ownerReferences before the finalizer goes; one with `foregroundDeletion` has its dependents
 * deleted first, and keeps the finalizer while a dependent that blocks it (`blockOwnerDeletion: true`) still
 * exists. Dependents are found by a live list, not the caches: a dependent the cache has not seen yet must
 * not be missed, or an orphaned one would be collected later and a foreground owner would go too early.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { isNotFound } from '../errors/index.js';
import type { Logger } from '../observability/logger.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../registry/delete.js';
import { EventType } from '../runtime/events.js';
import { removeFinalizerPatch } from '../runtime/finalizers.js';
import { listAll } from '../runtime/list.js';
import type { ReconcileResult } from '../runtime/request.js';
import { removeOwnerReferences, type GcContext } from './context.js';
import { collectDependent, DependentOutcome } from './dependent.js';

/** A dependent and its kind. */
export interface Dependent {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

const PAGE_SIZE = 500;

/**
 * Every object of a watched kind naming `owner` (by uid) as an owner: in the owner's namespace for a
 * namespaced owner (dependents are never in another namespace), anywhere for a cluster-scoped one.
 */
export async function liveDependents(ctx: GcContext, owner: KubeObject): Promise<Dependent[]> {
  const uid = owner.metadata.uid;
  if (uid === undefined || uid === '') return [];
  const namespace = owner.metadata.namespace;
  const out: Dependent[] = [];
  for (const type of ctx.types) {
    if (namespace !== undefined && !type.namespaced) continue;
    const { items } = await listAll(ctx.client, type, { pageSize: PAGE_SIZE, ...(namespace !== undefined ? { namespace } : {}) });
    for (const object of items) if ((object.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) out.push({ type, object });
  }
  return out;
}

async function removeFinalizer(ctx: GcContext, type: ResourceType, owner: KubeObject, finalizer: string): Promise<void> {
  const patch = removeFinalizerPatch(owner, finalizer);
  if (patch === undefined) return;
  try {
    await ctx.client.patch(type, owner.metadata.namespace, owner.metadata.name, patch);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Strips `owner` from each dependent's ownerReferences, then removes the `orphan` finalizer. */
export async function orphanDependents(ctx: GcContext, type: ResourceType, owner: KubeObject, logger: Logger): Promise<void> {
  const uid = owner.metadata.uid ?? '';
  const dependents = await liveDependents(ctx, owner);
  for (const d of dependents) {
    try {
      await removeOwnerReferences(ctx, d.type, d.object, new Set([uid]));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      continue;
    }
    ctx.recorder.event(d.object, EventType.Normal, 'Orphaned', `owner ${owner.kind}/${owner.metadata.name} was deleted with propagationPolicy Orphan: its owner reference was removed`);
  }
  if (dependents.length > 0) {
    logger.info({ dependents: dependents.length }, 'orphaned dependents');
    ctx.recorder.event(owner, EventType.Normal, 'OrphanedDependents', `removed this owner from the ownerReferences of ${dependents.length} dependent(s)`);
  }
  await removeFinalizer(ctx, type, owner, ORPHAN_FINALIZER);
}

/**
 * Deletes the dependents of a foreground-deleting owner (or drops the reference where another owner is
 * alive), then removes `foregroundDeletion` once no blocking dependent remains; until then it asks to look
 * again after `pollMs` (a blocking dependent's deletion also wakes it).
 */
export async function deleteDependentsInForeground(
  ctx: GcContext,
  type: ResourceType,
  owner: KubeObject,
  logger: Logger,
  options: { readonly pollMs: number },
): Promise<ReconcileResult | void> {
  const uid = owner.metadata.uid ?? '';
  let blocking = 0;
  for (const d of await liveDependents(ctx, owner)) {
    const blocks = (d.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true);
    const outcome = await collectDependent(ctx, d.type, d.object, logger.child({ dependent: `${d.type.kind}/${d.object.metadata.name}` }));
    if (blocks && (outcome === DependentOutcome.Terminating || outcome === DependentOutcome.Kept)) blocking += 1;
  }
  if (blocking > 0) {
    logger.debug({ blocking }, 'waiting for blocking dependents to be deleted');
    return { requeueAfterMs: options.pollMs };
  }
  await removeFinalizer(ctx, type, owner, FOREGROUND_FINALIZER);
  logger.info('dependents deleted; foregroundDeletion finalizer removed');
}
