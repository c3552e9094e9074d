/** Prometheus metrics of the garbage collector (DESIGN §11), registered once per registry. */
import { Counter, type Registry } from 'prom-client';

/** What the garbage collector counts. */
export interface GcMetrics {
  /** A dependent of `kind` was deleted because none of its owners is alive any more. */
  deleted(kind: string): void;
  /** An owner reference was removed from a dependent of `kind` (orphaning, or a dead owner beside a live one). */
  orphaned(kind: string): void;
}

/** Counts nothing. */
export const nopGcMetrics: GcMetrics = { deleted() {}, orphaned() {} };

function counter(registry: Registry, name: string, help: string): Counter<'kind'> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<'kind'>;
  return new Counter({ name, help, labelNames: ['kind'], registers: [registry] });
}

/**
 * `converge_gc_deleted_total{kind}` and `converge_gc_orphaned_total{kind}` in `registry`; calling it twice
 * with one registry reuses the counters.
 */
export function createGcMetrics(registry: Registry): GcMetrics {
  const deleted = counter(registry, 'converge_gc_deleted_total', 'Dependents deleted by the garbage collector because their owners are gone, by kind.');
  const orphaned = counter(registry, 'converge_gc_orphaned_total', 'Owner references removed from dependents by the garbage collector, by kind of dependent.');
  return { deleted: (kind) => deleted.inc({ kind }), orphaned: (kind) => orphaned.inc({ kind }) };
}
