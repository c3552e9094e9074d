/**
 * Garbage collection of dependents (kube-controller-manager's garbage collector, for `converge serve`):
 * objects whose ownerReferences no longer resolve to a live owner are deleted, and owners deleted with
 * propagationPolicy Orphan or Foreground get their dependents orphaned or deleted first.
 */
import { servedTypes } from '../../schemas/index.js';
import { eventType } from '../../schemas/event.js';
import type { ResourceType } from '../../schemas/types.js';

export { GarbageCollector, type GarbageCollectorOptions } from './collector.js';
export { createGcMetrics, nopGcMetrics, type GcMetrics } from './metrics.js';
export { DependentOutcome } from './dependent.js';

/**
 * The kinds the collector watches by default: every served kind except core Events, which Converge never
 * makes owners or dependents and which the event TTL sweep already removes (watching them would only cache
 * the largest, busiest collection).
 */
export const gcTypes: readonly ResourceType[] = servedTypes.filter((t) => t !== eventType);
