/**
 * Metric hooks of the runtime. The runtime only calls these; the caller decides where numbers go (prom-client
 * via {@link ./prometheus.js}, or nowhere). Each hook names the controller-runtime metric it feeds so that
 * dashboards written for controller-runtime work unchanged.
 */

/** Hooks of one work queue; `name` is the queue's name (the controller's name), the `name` label. */
export interface WorkQueueMetrics {
  /** `workqueue_depth{name}`: keys waiting to be processed. */
  setDepth(name: string, depth: number): void;
  /** `workqueue_adds_total{name}`: adds (including ones deduplicated away). */
  incAdds(name: string): void;
  /** `workqueue_retries_total{name}`: rate-limited re-adds. */
  incRetries(name: string): void;
  /** `workqueue_queue_duration_seconds{name}`: how long a key waited before a worker took it. */
  observeQueueDuration(name: string, seconds: number): void;
  /** `workqueue_work_duration_seconds{name}`: how long processing a key took. */
  observeWorkDuration(name: string, seconds: number): void;
}

/** Result label of `controller_runtime_reconcile_total`. */
export const ReconcileResultLabel = {
  Success: 'success',
  Error: 'error',
  Requeue: 'requeue',
  RequeueAfter: 'requeue_after',
} as const;
export type ReconcileResultLabel = (typeof ReconcileResultLabel)[keyof typeof ReconcileResultLabel];

/** Hooks of one controller; `controller` is the controller's name (the `controller` label). */
export interface ControllerMetrics {
  /** `controller_runtime_reconcile_total{controller,result}`. */
  incReconcileTotal(controller: string, result: ReconcileResultLabel): void;
  /** `controller_runtime_reconcile_errors_total{controller}` (terminal errors and panics included). */
  incReconcileErrors(controller: string): void;
  /** `controller_runtime_terminal_reconcile_errors_total{controller}`. */
  incTerminalReconcileErrors(controller: string): void;
  /** `controller_runtime_reconcile_panics_total{controller}`. */
  incReconcilePanics(controller: string): void;
  /** `controller_runtime_reconcile_time_seconds{controller}`. */
  observeReconcileTime(controller: string, seconds: number): void;
  /** `controller_runtime_active_workers{controller}`: reconciles running now. */
  setActiveWorkers(controller: string, workers: number): void;
  /** `controller_runtime_max_concurrent_reconciles{controller}`. */
  setMaxConcurrentReconciles(controller: string, workers: number): void;
}

/** Work queue hooks that record nothing. */
export const nopWorkQueueMetrics: WorkQueueMetrics = {
  setDepth() {},
  incAdds() {},
  incRetries() {},
  observeQueueDuration() {},
  observeWorkDuration() {},
};

/** Controller hooks that record nothing. */
export const nopControllerMetrics: ControllerMetrics = {
  incReconcileTotal() {},
  incReconcileErrors() {},
  incTerminalReconcileErrors() {},
  incReconcilePanics() {},
  observeReconcileTime() {},
  setActiveWorkers() {},
  setMaxConcurrentReconciles() {},
};
