import { Registry } from 'prom-client';
import t from 'tap';
import { createRuntimeMetrics } from '../../src/runtime/prometheus.js';

t.test('hooks feed controller-runtime’s metric names and labels', async (t) => {
  const registry = new Registry();
  const { controller, workqueue } = createRuntimeMetrics(registry);
  controller.incReconcileTotal('instance', 'success');
  controller.incReconcileTotal('instance', 'error');
  controller.incReconcileErrors('instance');
  controller.observeReconcileTime('instance', 0.2);
  controller.setActiveWorkers('instance', 2);
  workqueue.setDepth('instance', 5);
  workqueue.incAdds('instance');
  workqueue.incRetries('instance');
  workqueue.observeQueueDuration('instance', 0.001);
  workqueue.observeWorkDuration('instance', 0.2);
  const text = await registry.metrics();
  const expected = [
    'controller_runtime_reconcile_total{controller="instance",result="success"} 1',
    'controller_runtime_reconcile_total{controller="instance",result="error"} 1',
    'controller_runtime_reconcile_errors_total{controller="instance"} 1',
    'controller_runtime_reconcile_time_seconds_count{controller="instance"} 1',
    'controller_runtime_active_workers{controller="instance"} 2',
    'workqueue_depth{name="instance"} 5',
    'workqueue_adds_total{name="instance"} 1',
    'workqueue_retries_total{name="instance"} 1',
    'workqueue_queue_duration_seconds_count{name="instance"} 1',
    'workqueue_work_duration_seconds_count{name="instance"} 1',
  ];
  for (const line of expected) t.ok(text.includes(line), line);
  t.throws(() => createRuntimeMetrics(registry), /already been registered/, 'one set per registry');
});
