/**
 * The Pool reconciler: counts allocations, computes utilisation, compares the pool with the networks the
 * providers actually have and writes it all to status. Allocation itself happens in the claimants'
 * controllers (which read `status.conflicts` to avoid unmanaged networks); the one thing it allocates is a
 * child pool's own prefixes in its parent (`spec.parentRef`, see `parent.ts`). Until those are claimed the
 * child is Ready=False with the reason, and the allocator refuses to hand anything out of it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, KubeObject } from '../../schemas/object.js';
import { poolSpec, poolType } from '../../schemas/pool.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { listPoolAllocations, parentNameOf, poolLayout, poolUsage } from '../../src/ipam/index.js';
import type { ManagedMetrics } from '../../src/managed/index.js';
import type { SimClouds } from '../../src/providers/sim/index.js';
import { rfc3339 } from '../../src/registry/context.js';
import { conditions, type ConditionInput, type Reconciler, type Request } from '../../src/runtime/index.js';
import { findConflicts, storedConflicts, type PoolConflict } from './conflicts.js';
import { observeNetworks } from './observe.js';
import { claimFromParent, finalizePool, syncParentFinalizer, type ParentOutcome } from './parent.js';
import { utilisationPercent, utilisationText } from './usage.js';

/** How often a Pool looks at the providers again (±10% jitter) when nothing else wakes it. */
export const POOL_RESYNC_MS = 30_000;
/**
 * How soon a child pool whose prefixes cannot be claimed looks again: what blocks it (a missing parent, a
 * holder in the parent) changes without an event that maps to the child.
 */
export const PARENT_RETRY_MS = 3_000;
/**
 * Least time between two observations of one pool at the same generation. Every allocation that comes or
 * goes wakes the pool, and an observation lists all of its allocations: without a floor, 500 Networks
 * allocating at once cost 500 full lists per controller process. Spec changes are never held back.
 */
export const POOL_MIN_OBSERVE_MS = 1_000;

/** What {@link createPoolReconciler} needs. */
export interface PoolReconcilerDeps {
  readonly client: ApiClient;
  readonly clouds: SimClouds;
  /** Counts newly seen conflicts as `converge_drift_detected_total{kind="Pool"}`. */
  readonly metrics: ManagedMetrics;
  /** Default `Math.random`; tests pin the jitter. */
  readonly random?: () => number;
  /** Default wall clock. */
  readonly now?: () => Date;
  /** Default {@link PARENT_RETRY_MS}. */
  readonly parentRetryMs?: number;
  /** Default {@link POOL_MIN_OBSERVE_MS}. */
  readonly minObserveMs?: number;
}

async function fetchPool(client: ApiClient, req: Request): Promise<KubeObject | undefined> {
  try {
    return await client.get(poolType, req.namespace, req.name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function conflictText(c: PoolConflict): string {
  return `unmanaged network ${c.cidr} (${c.network} in ${c.providerRef}) overlaps ${c.poolCidr}`;
}

/** Status fields and conditions of a pool whose observation succeeded. */
async function observe(deps: PoolReconcilerDeps, pool: KubeObject): Promise<{ fields: JsonObject; conds: ConditionInput[]; fresh: number }> {
  const spec = poolSpec.parse(pool.spec);
  const layout = poolLayout(pool.metadata.name, spec);
  const allocations = await listPoolAllocations(deps.client, pool);
  const previous = storedConflicts(pool.status);
  const conflicts = findConflicts({
    poolCidrs: layout.cidrs,
    allocations,
    observed: await observeNetworks(deps.client, deps.clouds),
    previous,
    now: rfc3339((deps.now ?? (() => new Date()))()),
  });
  const cidrs = allocations.map((a) => a.cidr);
  const usage = poolUsage(layout, cidrs);
  const fields: JsonObject = {
    allocations: usage.allocations,
    utilisationPercent: utilisationPercent(usage),
    ...(conflicts.length > 0 ? { conflicts: conflicts.map((c) => ({ ...c })) } : {}),
  };
  const conds = [
    conditions.ready(utilisationText(usage, layout.cidrs, cidrs)),
    conditions.synced(),
    conflicts.length > 0
      ? { ...conditions.drifted(['spec.cidrs']), message: conflicts.map(conflictText).join('; ') }
      : conditions.notDrifted(),
  ];
  const fresh = conflicts.filter((c) => !previous.some((p) => p.network === c.network && p.cidr === c.cidr && p.poolCidr === c.poolCidr)).length;
  return { fields, conds, fresh };
}

/** Writes `status` unless it equals what is stored. */
async function writeStatus(client: ApiClient, pool: KubeObject, status: JsonObject): Promise<void> {
  if (isDeepStrictEqual(pool.status ?? {}, status)) return;
  await client.update(poolType, { ...pool, status }, { subresource: 'status' });
}

/** See the module comment. Errors are put on `Synced=False` and rethrown (retry with backoff). */
export function createPoolReconciler(deps: PoolReconcilerDeps): Reconciler {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? (() => new Date());
  const minObserveMs = deps.minObserveMs ?? POOL_MIN_OBSERVE_MS;
  /** When each pool (by key) was last observed, and at which generation. */
  const observed = new Map<string, { readonly at: number; readonly generation: number }>();
  return async (req) => {
    const key = `${req.namespace ?? ''}/${req.name}`;
    const fetched = await fetchPool(deps.client, req);
    if (fetched === undefined) {
      observed.delete(key);
      return;
    }
    if (fetched.metadata.deletionTimestamp !== undefined) {
      const outcome = await finalizePool(deps.client, fetched);
      if (outcome.done) return;
      const waiting = conditions.withConditions(fetched, [outcome.condition]).object;
      await writeStatus(deps.client, fetched, waiting.status ?? {});
      return { requeueAfterMs: deps.parentRetryMs ?? PARENT_RETRY_MS };
    }
    const generation = fetched.metadata.generation ?? 0;
    const last = observed.get(key);
    const since = now().getTime() - (last?.at ?? -Infinity);
    if (last !== undefined && last.generation === generation && since >= 0 && since < minObserveMs) {
      return { requeueAfterMs: minObserveMs - since };
    }
    observed.set(key, { at: now().getTime(), generation });
    const pool = await syncParentFinalizer(deps.client, fetched);
    const base: JsonObject = { ...(pool.status ?? {}), observedGeneration: pool.metadata.generation ?? 0 };
    const parentName = parentNameOf(pool);
    let result: Awaited<ReturnType<typeof observe>>;
    let parent: ParentOutcome = { claimed: true };
    try {
      if (parentName !== undefined) parent = await claimFromParent(deps.client, pool, parentName);
      result = await observe(deps, pool);
    } catch (err) {
      const failed = conditions.withConditions({ ...pool, status: base }, [conditions.reconcileError(err)]).object;
      await writeStatus(deps.client, pool, failed.status ?? base);
      throw err;
    }
    const { conflicts: _dropped, ...rest } = base;
    // A child that cannot claim its prefixes is not Ready, whatever its (empty) utilisation says.
    const conds = parent.claimed ? result.conds : result.conds.map((c) => (c.type === parent.condition.type ? parent.condition : c));
    const next = conditions.withConditions({ ...pool, status: { ...rest, ...result.fields } }, conds).object;
    await writeStatus(deps.client, pool, next.status ?? {});
    for (let i = 0; i < result.fresh; i++) deps.metrics.driftDetected(poolType.kind);
    const delay = parent.claimed ? POOL_RESYNC_MS : (deps.parentRetryMs ?? PARENT_RETRY_MS);
    return { requeueAfterMs: Math.round(delay * (0.9 + 0.2 * random())) };
  };
}
