/**
 * Builds the controller of one managed kind: the generic reconciler plus watches on ProviderConfigs and the
 * Secrets they name, so objects waiting for a missing ProviderConfig or credentials are reconciled as soon as
 * it appears or changes.
 */
import { providerConfigType, secretType } from '../schemas/index.js';
import { usesSecret } from '../src/managed/connect.js';
import type { ApiClient } from '../src/client/types.js';
import { createManagedReconciler, providerNameOf, type Journal, type ManagedKind, type ManagedMetrics, type ProviderLimits } from '../src/managed/index.js';
import type { Logger } from '../src/observability/logger.js';
import { isSettled } from '../src/runtime/conditions.js';
import { Controller, desiredStateChanged, type Clock, type EventRecorder, type InformerSource, type RateLimiter, type Request, type RuntimeMetrics } from '../src/runtime/index.js';

/**
 * Workers per managed controller unless configured. A reconcile spends nearly all its time waiting on the
 * backend, so workers are cheap; what limits the load on a backend is its ProviderConfig's
 * `concurrency.maxConcurrent` semaphore, not this. Two workers (controller-runtime's style of default) made a
 * restart with a few hundred objects crawl: each re-observation held one of the two slots for a round trip.
 */
export const DEFAULT_MANAGED_WORKERS = 16;

/** What every managed controller shares. */
export interface ManagedControllerDeps {
  readonly client: ApiClient;
  readonly informers: InformerSource;
  readonly recorder: EventRecorder;
  readonly journal: Journal;
  readonly limits: ProviderLimits;
  readonly metrics: ManagedMetrics;
  readonly logger: Logger;
  readonly workers?: number;
  readonly clock?: Clock;
  /** Per-key retry backoff is the runtime's default unless given (tests shorten it). */
  readonly rateLimiter?: RateLimiter;
  /** controller-runtime's reconcile and work-queue metrics; none when absent. */
  readonly runtimeMetrics?: RuntimeMetrics;
}

/** The requests of every cached object of `kind` that uses ProviderConfig `name`. */
function usersOf(deps: ManagedControllerDeps, kind: ManagedKind, name: string): Request[] {
  return deps.informers
    .informerFor(kind.type)
    .cache.list()
    .filter((o) => providerNameOf(o) === name)
    .map((o) => ({ ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name }));
}

/** See the module comment. */
export function managedController(deps: ManagedControllerDeps, kind: ManagedKind): Controller {
  const reconciler = createManagedReconciler({
    client: deps.client,
    kind,
    recorder: deps.recorder,
    journal: deps.journal,
    limits: deps.limits,
    metrics: deps.metrics,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const controller = new Controller({
    name: `${kind.type.singular}-controller`,
    type: kind.type,
    reconciler,
    informers: deps.informers,
    predicate: desiredStateChanged,
    // After a restart, objects that still need work (never created, failing, drifted) go before the
    // re-observation of settled ones.
    settled: isSettled,
    workers: deps.workers ?? DEFAULT_MANAGED_WORKERS,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    ...(deps.runtimeMetrics ? { metrics: deps.runtimeMetrics.controller, queueMetrics: deps.runtimeMetrics.workqueue } : {}),
  });
  controller.watchMapped(providerConfigType, (pc) => usersOf(deps, kind, pc.metadata.name));
  controller.watchMapped(secretType, (secret) =>
    deps.informers
      .informerFor(providerConfigType)
      .cache.list()
      .filter((pc) => usesSecret(pc, secret.metadata.namespace, secret.metadata.name))
      .flatMap((pc) => usersOf(deps, kind, pc.metadata.name)),
  );
  return controller;
}
