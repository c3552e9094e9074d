import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { createManagedControllers, ensureDefaultProviderConfig } from '../../controllers/index.js';
import { createNamespaceController, ensureBuiltinNamespaces } from '../../controllers/namespace/index.js';
import { createInProcessClient } from '../client/inprocess.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RegistryContext } from '../registry/index.js';
import { AggregatingRecorder, BackendLeaseLock, LeaderElector, Manager, createRuntimeMetrics, logEventSink } from '../runtime/index.js';
import { apiEventSink, DEFAULT_EVENT_TTL_MS, sweepExpiredEvents, teeEventSink } from '../runtime/events.js';
import type { SimClouds } from '../providers/sim/index.js';
import { sweepJournals, type BackendJournal } from '../managed/backend-journal.js';
import { findResourceType, resourceTypes } from '../../schemas/index.js';
import { isNotFound } from '../errors/index.js';
import { createGcMetrics, GarbageCollector, gcTypes } from '../gc/index.js';
import type { Backend } from '../store/types.js';

/** Options of {@link startControlLoops}. */
export interface ControlLoopOptions {
  readonly backend: Backend;
  readonly registry: RegistryContext;
  /** The simulated clouds the `sim` driver acts on. */
  readonly clouds: SimClouds;
  /** Where external actions are journaled (in the store, so any replica can serve `converge journal`). */
  readonly journal: BackendJournal;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Called when this replica loses leadership after holding it (the process should exit and restart). */
  readonly onLeadershipLost: () => void;
  /** Workers per managed controller; default `DEFAULT_MANAGED_WORKERS`. */
  readonly workers?: number;
  /** Elect a leader through the store's lease (default true); false always reconciles. */
  readonly leaderElection?: boolean;
  /** Lease timing; defaults are client-go's (15 s lease, 10 s renew deadline, 2 s retry). */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** Events last seen longer ago than this are deleted by the leader; default 1 h (kube's `--event-ttl`). */
  readonly eventTtlMs?: number;
  /** Where the GitOps controller keeps its checkouts (e.g. `<data-dir>/gitops`); default a per-user temp folder. */
  readonly gitopsCacheDir?: string;
}

/** Running controllers; `stop()` ends them and releases the lease. */
export interface ControlLoops {
  /** This replica's identity in the leader lease. */
  readonly identity: string;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the controllers of `converge serve` on the in-process API client (same validation and admission as
 * HTTP, no network hop). Informers run on every replica; controllers only on the one holding the
 * `converge-system/converge-controllers` lease in the store, so replicas sharing one etcd never reconcile twice.
 */
export async function startControlLoops(options: ControlLoopOptions): Promise<ControlLoops> {
  const client = createInProcessClient({ registry: options.registry });
  await ensureDefaultProviderConfig(client);
  await ensureBuiltinNamespaces(client);
  const identity = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const elector = new LeaderElector({
    lock: new BackendLeaseLock({ backend: options.backend, name: 'converge-controllers' }),
    identity,
    ...(options.leaseDurationMs !== undefined ? { leaseDurationMs: options.leaseDurationMs } : {}),
    ...(options.renewDeadlineMs !== undefined ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
    ...(options.retryPeriodMs !== undefined ? { retryPeriodMs: options.retryPeriodMs } : {}),
  });
  const recorder = new AggregatingRecorder({
    sink: teeEventSink(apiEventSink(client, { logger: options.logger }), logEventSink(options.logger)),
    component: 'converge-controllers',
    logger: options.logger,
  });
  const runtimeMetrics = createRuntimeMetrics(options.metrics.registry);
  const built = createManagedControllers({
    client,
    clouds: options.clouds,
    journal: options.journal,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.gitopsCacheDir !== undefined ? { gitopsCacheDir: options.gitopsCacheDir } : {}),
    logger: options.logger,
    metrics: options.metrics.registry,
    runtimeMetrics,
    // Events become core v1 Event objects (kubectl get events, converge describe) and log lines.
    recorder,
  });
  const manager = new Manager({ ...(options.leaderElection === false ? {} : { leaderElection: elector }), logger: options.logger, onLeadershipLost: options.onLeadershipLost });
  manager.add(built.informers);
  for (const c of built.controllers) manager.add(c);
  // Leader-only, like the controllers; kube mode does not wire it (the cluster's own collector does the job).
  const gc = { client, informers: built.informers, types: gcTypes, recorder, logger: options.logger, runtimeMetrics };
  manager.add(new GarbageCollector({ ...gc, metrics: createGcMetrics(options.metrics.registry) }));
  // Leader-only too, and likewise not in kube mode (the cluster's namespace controller empties namespaces).
  manager.add(createNamespaceController({ client, informers: built.informers, recorder, logger: options.logger, runtimeMetrics }));
  const abort = new AbortController();
  // Every controller and informer listens on this one signal.
  setMaxListeners(100, abort.signal);
  const running = manager.start(abort.signal).catch((err: unknown) => options.logger.error({ err }, 'controller manager failed'));
  const ttlMs = options.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  // Only the leader sweeps, so replicas sharing a store do not race deleting the same Events.
  const sweeper = setInterval(() => {
    if (!manager.isLeader()) return;
    sweepExpiredEvents(client, { ttlMs }).catch((err: unknown) => options.logger.warn({ err }, 'event TTL sweep failed'));
    // Journals of deleted resources go after the same TTL as their Events.
    sweepJournals(options.backend, {
      ttlMs,
      exists: async (kind, namespace, name) => {
        const type = findResourceType({ kind }, resourceTypes);
        if (type === undefined) return false;
        try {
          await client.get(type, namespace, name);
          return true;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      },
    }).catch((err: unknown) => options.logger.warn({ err }, 'journal TTL sweep failed'));
  }, Math.max(1000, Math.min(ttlMs / 4, 600_000)));
  sweeper.unref();
  return {
    identity,
    isLeader: () => manager.isLeader(),
    stop: async () => {
      clearInterval(sweeper);
      abort.abort();
      await running;
      // Sends pending aggregated counts and cancels the recorder's window timers (up to 10 min long).
      recorder.flush();
    },
  };
}
