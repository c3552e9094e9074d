/**
 * The namespace controller (kube-controller-manager's, scaled to Converge): when a Namespace is terminating
 * and still carries the `kubernetes` finalizer in `spec.finalizers`, it deletes everything in the namespace,
 * reports what remains in the Namespace's conditions and events while it waits (polling: objects held by
 * their own finalizers go when their controllers are done), and once nothing is left removes its finalizer,
 * which makes the registry remove the Namespace. Leader-only, like every controller; `converge serve --kube`
 * does not run it (the cluster's own namespace controller does the job).
 */
import { servedTypes } from '../../schemas/index.js';
import { NAMESPACE_FINALIZER, namespaceType } from '../../schemas/namespace.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { silentLogger, type Logger } from '../../src/observability/logger.js';
import { rfc3339 } from '../../src/registry/context.js';
import { namespaceFinalizers } from '../../src/registry/namespace.js';
import { Controller } from '../../src/runtime/controller.js';
import { EventType, nopEventRecorder, type EventRecorder } from '../../src/runtime/events.js';
import type { InformerSource } from '../../src/runtime/informers.js';
import type { RuntimeMetrics } from '../../src/runtime/prometheus.js';
import type { ReconcileResult, Request } from '../../src/runtime/request.js';
import { conditionsFor, mergeConditions } from './conditions.js';
import { deleteNamespaceContent, type RemainingContent } from './content.js';

/** Field manager of the namespace controller's writes. */
export const NAMESPACE_CONTROLLER_MANAGER = 'converge-namespace-controller';

/** Options of {@link createNamespaceController}. */
export interface NamespaceControllerOptions {
  readonly client: ApiClient;
  readonly informers: InformerSource;
  /** Kinds whose objects are deleted with their namespace; default every namespaced served kind. */
  readonly types?: readonly ResourceType[];
  readonly recorder?: EventRecorder;
  readonly logger?: Logger;
  readonly runtimeMetrics?: RuntimeMetrics;
  /** How often a terminating namespace looks again at what remains. Default 1,000 ms. */
  readonly pollMs?: number;
  /** Current time, for condition transition times; default the real clock. */
  readonly now?: () => Date;
}

const DEFAULT_POLL_MS = 1000;

function summary(remaining: RemainingContent): string {
  const parts = [...remaining.byResource.entries()].map(([r, n]) => `${n} ${r}`);
  const finalizers = [...remaining.byFinalizer.keys()];
  return `waiting for ${parts.join(', ')} to be deleted${finalizers.length > 0 ? ` (finalizers: ${finalizers.join(', ')})` : ''}`;
}

/** Writes the conditions describing `remaining` to the Namespace's status, when they changed. */
async function reportConditions(options: NamespaceControllerOptions, ns: KubeObject, remaining: RemainingContent): Promise<void> {
  const now = rfc3339((options.now ?? (() => new Date()))());
  const conditions = mergeConditions(ns.status, conditionsFor(remaining), now);
  if (conditions === undefined) return;
  const body = { metadata: { resourceVersion: ns.metadata.resourceVersion ?? '' }, status: { conditions } };
  await options.client.patch(namespaceType, undefined, ns.metadata.name, { type: 'merge', body }, { subresource: 'status', fieldManager: NAMESPACE_CONTROLLER_MANAGER });
}

/** Removes the `kubernetes` finalizer; the registry removes the Namespace when no finalizer is left. */
async function finalize(options: NamespaceControllerOptions, ns: KubeObject): Promise<void> {
  const finalizers = namespaceFinalizers(ns).filter((f) => f !== NAMESPACE_FINALIZER);
  const next: KubeObject = { ...ns, spec: { ...(ns.spec ?? {}), finalizers } };
  await options.client.update(namespaceType, next, { fieldManager: NAMESPACE_CONTROLLER_MANAGER });
}

async function reconcile(options: NamespaceControllerOptions, request: Request, logger: Logger): Promise<ReconcileResult | void> {
  let ns: KubeObject;
  try {
    ns = await options.client.get(namespaceType, undefined, request.name);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (ns.metadata.deletionTimestamp === undefined || !namespaceFinalizers(ns).includes(NAMESPACE_FINALIZER)) return;
  const types = options.types ?? servedTypes.filter((t) => t.namespaced);
  const remaining = await deleteNamespaceContent(options.client, types, ns.metadata.name);
  const recorder = options.recorder ?? nopEventRecorder;
  if (remaining.total === 0 && remaining.failures.length === 0) {
    await finalize(options, ns);
    logger.info({ namespace: ns.metadata.name }, 'namespace emptied; finalizer removed');
    return;
  }
  await reportConditions(options, ns, remaining);
  if (remaining.failures.length > 0) {
    recorder.event(ns, EventType.Warning, 'NamespaceDeletionContentFailure', `failed to delete content: ${remaining.failures.join('; ')}`);
  } else {
    recorder.event(ns, EventType.Normal, 'NamespaceContentRemaining', summary(remaining));
  }
  logger.info({ namespace: ns.metadata.name, remaining: Object.fromEntries(remaining.byResource), failures: remaining.failures }, 'namespace terminating: content remains');
  return { requeueAfterMs: options.pollMs ?? DEFAULT_POLL_MS };
}

/** The namespace controller (a leader-only Runnable: add it to the Manager). */
export function createNamespaceController(options: NamespaceControllerOptions): Controller {
  const logger = (options.logger ?? silentLogger()).child({ component: 'namespace-controller' });
  return new Controller({
    name: 'namespace',
    type: namespaceType,
    informers: options.informers,
    // Only terminating namespaces need work; the poll covers what happens to their content meanwhile.
    predicate: (event) => event.type !== 'delete' && event.object.metadata.deletionTimestamp !== undefined,
    reconciler: (request, _signal, rc) => reconcile(options, request, rc.logger),
    workers: 2,
    logger,
    ...(options.runtimeMetrics ? { metrics: options.runtimeMetrics.controller, queueMetrics: options.runtimeMetrics.workqueue } : {}),
  });
}
