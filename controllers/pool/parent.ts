/**
 * The child side of hierarchical pools (`spec.parentRef`): claim every prefix of the child from the parent
 * (see `src/ipam/claim.ts`), release claims the spec no longer names, and release everything before a
 * deleted child may go (the finalizer below holds it until then, as the managed finalizer holds a pool-backed
 * Network until its prefix is released).
 */
import { ConditionStatus, ConditionType } from '../../schemas/common.js';
import type { KubeObject } from '../../schemas/object.js';
import { poolSpec, poolType } from '../../schemas/pool.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { claimPrefix, describeHolder, listPoolAllocations, parentNameOf, releaseClaims, type AllocationOwner } from '../../src/ipam/index.js';
import type { ConditionInput } from '../../src/runtime/index.js';
import { finalizers } from '../../src/runtime/index.js';

/** Held by a child Pool while it may hold claims in a parent. */
export const PARENT_FINALIZER = 'converge.io/pool-parent';

/** How far up `parentRef` chains are followed to find a cycle. */
const MAX_DEPTH = 16;

/** Condition reasons of a child that cannot claim its prefixes (besides those of `ClaimBlockReason`). */
export const ParentReason = {
  ParentNotFound: 'ParentNotFound',
  ParentCycle: 'ParentCycle',
} as const;

/** Outcome of {@link claimFromParent}: every prefix claimed, or Ready=False saying why not. */
export type ParentOutcome = { readonly claimed: true } | { readonly claimed: false; readonly condition: ConditionInput };

function notReady(reason: string, message: string): ParentOutcome {
  return { claimed: false, condition: { type: ConditionType.Ready, status: ConditionStatus.False, reason, message } };
}

async function getPool(client: ApiClient, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(poolType, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The chain `child → … → child` when following parentRefs from `parent` comes back to `child`. */
async function cycleThrough(client: ApiClient, child: KubeObject, parent: KubeObject): Promise<string[] | undefined> {
  const path = [child.metadata.name, parent.metadata.name];
  let current: KubeObject | undefined = parent;
  for (let depth = 0; depth < MAX_DEPTH && current !== undefined; depth++) {
    const next = parentNameOf(current);
    if (next === undefined) return undefined;
    path.push(next);
    if (next === child.metadata.name) return path;
    current = await getPool(client, child.metadata.namespace, next);
  }
  return undefined;
}

function ownerOf(pool: KubeObject): AllocationOwner {
  return { kind: poolType.kind, name: pool.metadata.name, uid: pool.metadata.uid ?? '', apiVersion: pool.apiVersion };
}

/**
 * Claims each of `pool`'s prefixes from its parent and releases its claims on prefixes (or parents) it no
 * longer names. Reports the first prefix that cannot be claimed, with the parent, the prefix and the holder.
 */
export async function claimFromParent(client: ApiClient, pool: KubeObject, parentName: string): Promise<ParentOutcome> {
  const namespace = pool.metadata.namespace ?? '';
  const spec = poolSpec.parse(pool.spec);
  const owner = ownerOf(pool);
  await releaseClaims({ client, namespace, owner, keep: { parent: parentName, cidrs: spec.cidrs } });
  if (parentName === pool.metadata.name) {
    return notReady(ParentReason.ParentCycle, `pool "${parentName}" names itself as its parent`);
  }
  const parent = await getPool(client, namespace, parentName);
  if (parent === undefined || parent.metadata.deletionTimestamp !== undefined) {
    const state = parent === undefined ? 'not found' : 'being deleted';
    return notReady(ParentReason.ParentNotFound, `parent pool "${parentName}" ${state} in namespace "${namespace}": create it or remove spec.parentRef`);
  }
  const cycle = await cycleThrough(client, pool, parent);
  if (cycle !== undefined) return notReady(ParentReason.ParentCycle, `parentRef forms a cycle: ${cycle.join(' → ')}`);
  for (const cidr of spec.cidrs) {
    const result = await claimPrefix({ client, parent, owner, cidr });
    if ('blocked' in result) return notReady(result.blocked.reason, result.blocked.message);
  }
  return { claimed: true };
}

/**
 * Keeps {@link PARENT_FINALIZER} in step with the spec: added while the pool names a parent; for a pool that
 * stopped naming one, its claims are released and the finalizer removed. Returns the object as stored.
 */
export async function syncParentFinalizer(client: ApiClient, pool: KubeObject): Promise<KubeObject> {
  const name = pool.metadata.name;
  if (parentNameOf(pool) !== undefined) {
    const add = finalizers.addFinalizerPatch(pool, PARENT_FINALIZER);
    return add === undefined ? pool : client.patch(poolType, pool.metadata.namespace, name, add);
  }
  const remove = finalizers.removeFinalizerPatch(pool, PARENT_FINALIZER);
  if (remove === undefined) return pool;
  await releaseClaims({ client, namespace: pool.metadata.namespace ?? '', owner: ownerOf(pool) });
  return client.patch(poolType, pool.metadata.namespace, name, remove);
}

/** Outcome of {@link finalizePool}: done, or still waiting for the pool's own allocations to be released. */
export type FinalizeOutcome = { readonly done: true } | { readonly done: false; readonly condition: ConditionInput };

/**
 * A deleting child pool: once nothing holds a range of it any more, its claims in the parent are released
 * and its finalizer removed so that it can go. While Networks or Instances still hold ranges from it the
 * claims stay, or the parent could hand the same addresses to someone else.
 */
export async function finalizePool(client: ApiClient, pool: KubeObject): Promise<FinalizeOutcome> {
  const remove = finalizers.removeFinalizerPatch(pool, PARENT_FINALIZER);
  if (remove === undefined) return { done: true };
  const holders = await listPoolAllocations(client, pool);
  if (holders.length > 0) {
    const named = holders.slice(0, 3).map(describeHolder).join(', ') + (holders.length > 3 ? ` and ${holders.length - 3} more` : '');
    const message = `waiting for ${holders.length} allocation(s) of this pool to be released before its cidrs go back to parent pool "${parentNameOf(pool) ?? ''}": ${named}`;
    return { done: false, condition: { type: ConditionType.Ready, status: ConditionStatus.False, reason: 'Deleting', message } };
  }
  await releaseClaims({ client, namespace: pool.metadata.namespace ?? '', owner: ownerOf(pool) });
  try {
    await client.patch(poolType, pool.metadata.namespace, pool.metadata.name, remove);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return { done: true };
}
