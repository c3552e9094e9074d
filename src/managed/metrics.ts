/** Prometheus metrics of the managed reconciler (DESIGN §11), registered once per registry. */
import { Counter, type Registry } from 'prom-client';

/** What the managed reconciler counts. */
export interface ManagedMetrics {
  /** A new drifted field was observed on a resource of `kind`. */
  driftDetected(kind: string): void;
  /** An external call finished. */
  externalCall(kind: string, operation: string, result: 'success' | 'error'): void;
}

/** Counts nothing. */
export const nopManagedMetrics: ManagedMetrics = { driftDetected() {}, externalCall() {} };

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/**
 * `converge_drift_detected_total{kind}` and `converge_external_calls_total{kind,operation,result}` in
 * `registry`; calling it twice with one registry reuses the counters.
 */
export function createManagedMetrics(registry: Registry): ManagedMetrics {
  const drift = counter(registry, 'converge_drift_detected_total', 'Drifted fields detected on managed resources, by kind.', ['kind']);
  const calls = counter(registry, 'converge_external_calls_total', 'Calls to provider backends, by kind, operation and result.', [
    'kind',
    'operation',
    'result',
  ]);
  return {
    driftDetected: (kind) => drift.inc({ kind }),
    externalCall: (kind, operation, result) => calls.inc({ kind, operation, result }),
  };
}
