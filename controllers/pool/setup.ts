/**
 * The Pool controller: reconciles a Pool when its spec changes, when one of its IPAllocations comes or
 * goes, and every ~30 s to look at the providers' networks again.
 */
import { ipAllocationType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { Controller, desiredStateChanged, type Request } from '../../src/runtime/index.js';
import type { ManagedControllerDeps } from '../managed.js';
import type { SimClouds } from '../../src/providers/sim/index.js';
import { createPoolReconciler } from './reconcile.js';

/**
 * The Pool an IPAllocation was taken from, and for a child pool's claim (owner kind Pool) the child too, so
 * that a claim removed behind the child's back is claimed again at once. None for an object naming no pool.
 */
export function poolOfAllocation(obj: KubeObject): Request[] {
  const namespace = obj.metadata.namespace;
  if (namespace === undefined) return [];
  const nameIn = (field: string): string | undefined => {
    const ref = obj.spec?.[field];
    const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
    return typeof name === 'string' ? name : undefined;
  };
  const pool = nameIn('poolRef');
  if (pool === undefined) return [];
  const owner = obj.spec?.['owner'];
  const child = owner !== null && typeof owner === 'object' && !Array.isArray(owner) && owner['kind'] === poolType.kind ? nameIn('owner') : undefined;
  return [pool, ...(child !== undefined && child !== pool ? [child] : [])].map((name) => ({ namespace, name }));
}

/** The Pool controller (add it to the Manager, or start it). */
export function setupPoolController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  const controller = new Controller({
    name: 'pool-controller',
    type: poolType,
    reconciler: createPoolReconciler({ client: deps.client, clouds, metrics: deps.metrics }),
    informers: deps.informers,
    predicate: desiredStateChanged,
    workers: deps.workers ?? 2,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    ...(deps.runtimeMetrics ? { metrics: deps.runtimeMetrics.controller, queueMetrics: deps.runtimeMetrics.workqueue } : {}),
  });
  controller.watchMapped(ipAllocationType, poolOfAllocation);
  return controller;
}
