/**
 * Optional prom-client wiring of the runtime's metric hooks, with controller-runtime's names, labels and
 * buckets, registered in the caller's registry (no global state). Callers that want other sinks implement
 * the hook interfaces themselves.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ControllerMetrics, WorkQueueMetrics } from './metrics.js';

/** Both hook sets, backed by one registry. */
export interface RuntimeMetrics {
  readonly controller: ControllerMetrics;
  readonly workqueue: WorkQueueMetrics;
}

const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3,
  3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's `ExponentialBuckets(10e-9, 10, 12)`. */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** Registers the controller-runtime metrics in `registry` and returns hooks that feed them. */
export function createRuntimeMetrics(registry: Registry): RuntimeMetrics {
  const registers = [registry];
  const total = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
  const errors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
  const terminal = new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Total number of terminal reconciliation errors per controller', labelNames: ['controller'], registers });
  const panics = new Counter({ name: 'controller_runtime_reconcile_panics_total', help: 'Total number of reconciliation panics per controller', labelNames: ['controller'], registers });
  const time = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: RECONCILE_BUCKETS, registers });
  const active = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers });
  const max = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers });
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
  const queued = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
  const work = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
  return {
    controller: {
      incReconcileTotal: (controller, result) => total.inc({ controller, result }),
      incReconcileErrors: (controller) => errors.inc({ controller }),
      incTerminalReconcileErrors: (controller) => terminal.inc({ controller }),
      incReconcilePanics: (controller) => panics.inc({ controller }),
      observeReconcileTime: (controller, seconds) => time.observe({ controller }, seconds),
      setActiveWorkers: (controller, workers) => active.set({ controller }, workers),
      setMaxConcurrentReconciles: (controller, workers) => max.set({ controller }, workers),
    },
    workqueue: {
      setDepth: (name, value) => depth.set({ name }, value),
      incAdds: (name) => adds.inc({ name }),
      incRetries: (name) => retries.inc({ name }),
      observeQueueDuration: (name, seconds) => queued.observe({ name }, seconds),
      observeWorkDuration: (name, seconds) => work.observe({ name }, seconds),
    },
  };
}
