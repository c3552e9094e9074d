/**
 * Wiring of the managed controllers (Instance, Volume, Bucket, Network) and the Pool controller for `converge serve`: one shared
 * simulated cloud per ProviderConfig, one journal, one set of per-provider concurrency limits and metrics.
 */
import type { Registry } from 'prom-client';
import { providerConfigType } from '../schemas/index.js';
import type { KubeObject } from '../schemas/object.js';
import type { ApiClient } from '../src/client/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../src/errors/index.js';
import { createManagedMetrics, MemoryJournal, nopManagedMetrics, ProviderLimits, type Journal } from '../src/managed/index.js';
import type { Logger } from '../src/observability/logger.js';
import { SimClouds } from '../src/providers/sim/index.js';
import { InformerFactory, nopEventRecorder, type Clock, type Controller, type EventRecorder, type RateLimiter, type RuntimeMetrics } from '../src/runtime/index.js';
import { setupBucketController } from './bucket/setup.js';
import { setupGitRepositoryController } from './gitops/setup.js';
import { setupInstanceController } from './instance/setup.js';
import type { DEFAULT_MANAGED_WORKERS, ManagedControllerDeps } from './managed.js';
import { setupNetworkController } from './network/setup.js';
import { setupPoolController } from './pool/setup.js';
import { setupVolumeController } from './volume/setup.js';

/** Options of {@link createManagedControllers} and {@link startControllers}. */
export interface ControllersOptions {
  readonly client: ApiClient;
  /** Shared informers; when absent {@link startControllers} creates and runs its own. */
  readonly informers?: InformerFactory;
  readonly recorder?: EventRecorder;
  /** prom-client registry for `converge_drift_detected_total` and `converge_external_calls_total`. */
  readonly metrics?: Registry;
  readonly logger: Logger;
  /** The simulated clouds; pass them to inject drift or failures (tests, demos). */
  readonly clouds?: SimClouds;
  readonly journal?: Journal;
  /** Workers per managed controller. Default {@link DEFAULT_MANAGED_WORKERS} (the Pool controller: 2). */
  readonly workers?: number;
  readonly clock?: Clock;
  readonly rateLimiter?: RateLimiter;
  /** controller-runtime's reconcile and work-queue metrics (`createRuntimeMetrics`). */
  readonly runtimeMetrics?: RuntimeMetrics;
  /** Where the GitRepository controller keeps its checkouts; default a per-user directory under the OS temp dir. */
  readonly gitopsCacheDir?: string;
}

/** The built controllers and what they share. */
export interface ManagedControllers {
  readonly controllers: readonly Controller[];
  readonly informers: InformerFactory;
  readonly clouds: SimClouds;
  readonly journal: Journal;
}

/** Builds the four managed controllers and the Pool controller without starting them (add them to a Manager). */
export function createManagedControllers(options: ControllersOptions): ManagedControllers {
  const informers = options.informers ?? new InformerFactory({ client: options.client, logger: options.logger, ...(options.clock ? { clock: options.clock } : {}) });
  const clouds = options.clouds ?? new SimClouds();
  const journal = options.journal ?? new MemoryJournal();
  const deps: ManagedControllerDeps = {
    client: options.client,
    informers,
    recorder: options.recorder ?? nopEventRecorder,
    journal,
    limits: new ProviderLimits(),
    metrics: options.metrics ? createManagedMetrics(options.metrics) : nopManagedMetrics,
    logger: options.logger,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(options.runtimeMetrics ? { runtimeMetrics: options.runtimeMetrics } : {}),
  };
  const controllers = [
    setupNetworkController(deps, clouds),
    setupVolumeController(deps, clouds),
    setupBucketController(deps, clouds),
    setupInstanceController(deps, clouds),
    setupPoolController(deps, clouds),
    setupGitRepositoryController(deps, options.gitopsCacheDir !== undefined ? { cacheDir: options.gitopsCacheDir } : {}),
  ];
  return { controllers, informers, clouds, journal };
}

/**
 * Runs the managed controllers (and the informers, when not given) until `signal` aborts; resolves once all
 * stopped. Rejects if one fails to start (e.g. its caches never sync).
 */
export async function startControllers(options: ControllersOptions & { readonly signal: AbortSignal }): Promise<void> {
  const built = createManagedControllers(options);
  const running: Promise<void>[] = built.controllers.map((c) => c.start(options.signal));
  if (options.informers === undefined) running.push(built.informers.start(options.signal));
  await Promise.all(running);
}

/** The ProviderConfig `default` with the simulated cloud, created by {@link ensureDefaultProviderConfig}. */
export const defaultProviderConfig: KubeObject = {
  apiVersion: 'converge.io/v1alpha1',
  kind: 'ProviderConfig',
  metadata: { name: 'default', annotations: { 'converge.io/description': 'Simulated in-process cloud (no real infrastructure).' } },
  spec: { driver: 'sim' },
};

/** Field manager of the objects `converge serve` creates for itself. */
export const SERVE_FIELD_MANAGER = 'converge-serve';

/**
 * Creates ProviderConfig `default` (driver `sim`) unless one exists; resolves with the stored object. It is
 * created by server-side apply of just the driver and a description, so Converge owns only those: a user who
 * later applies their own `default` (say, with latency or concurrency options) takes over the defaulted
 * fields without a conflict, and only a different `driver` conflicts.
 */
export async function ensureDefaultProviderConfig(client: ApiClient): Promise<KubeObject> {
  try {
    return await client.get(providerConfigType, undefined, 'default');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    return await client.patch(providerConfigType, undefined, 'default', { type: 'apply', body: structuredClone(defaultProviderConfig) }, { fieldManager: SERVE_FIELD_MANAGER });
  } catch (err) {
    if (isAlreadyExists(err) || isConflict(err)) return client.get(providerConfigType, undefined, 'default');
    throw err;
  }
}
