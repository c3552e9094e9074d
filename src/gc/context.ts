/** What every step of the garbage collector shares. */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient, ClientPatch } from '../client/types.js';
import type { Logger } from '../observability/logger.js';
import type { CacheReader } from '../runtime/cache.js';
import type { EventRecorder } from '../runtime/events.js';
import type { GcMetrics } from './metrics.js';

/** The collector's view of the world: the API, the watched kinds and their caches, and where it reports. */
export interface GcContext {
  readonly client: ApiClient;
  /** Every kind the collector watches; owner references to other kinds are never resolved. */
  readonly types: readonly ResourceType[];
  /** The informer cache of a watched kind (indexed by owner uid). */
  cacheOf(type: ResourceType): CacheReader;
  readonly recorder: EventRecorder;
  readonly metrics: GcMetrics;
  /** Process-wide log, for things said once (not per reconcile). */
  readonly logger: Logger;
  /** True the first time `key` is seen, so that a condition is logged once, not on every reconcile. */
  firstTime(key: string): boolean;
}

/**
 * Removes the references to the owners in `uids` from `obj` (merge patch preconditioned on its
 * resourceVersion: a concurrent writer makes it a conflict, which requeues); the patched object, or `obj`
 * itself when it names none of them.
 */
export async function removeOwnerReferences(ctx: GcContext, type: ResourceType, obj: KubeObject, uids: ReadonlySet<string>): Promise<KubeObject> {
  const refs = obj.metadata.ownerReferences ?? [];
  const kept = refs.filter((r) => !uids.has(r.uid));
  if (kept.length === refs.length) return obj;
  const patch: ClientPatch = {
    type: 'merge',
    body: {
      metadata: {
        ownerReferences: kept.length > 0 ? kept.map((r) => ({ ...r })) : null,
        ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      },
    },
  };
  const patched = await ctx.client.patch(type, obj.metadata.namespace, obj.metadata.name, patch, { fieldManager: GC_FIELD_MANAGER });
  ctx.metrics.orphaned(type.kind);
  return patched;
}

/** Field manager of the collector's writes (shown in managedFields). */
export const GC_FIELD_MANAGER = 'converge-garbage-collector';
