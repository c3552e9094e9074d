import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultLimits, type ApiLimits } from '../apiserver/deps.js';
import { startApiServer, type ServerTls } from '../apiserver/server.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createRegistryContext, type RegistryContext } from '../registry/index.js';
import { openBackend } from '../store/index.js';
import type { Backend } from '../store/types.js';
import { servedTypes } from '../../schemas/index.js';
import { MemorySimState, SimClouds, SqliteSimState } from '../providers/sim/index.js';
import { simAdminExtension } from './sim-admin.js';
import { gitopsWebhookExtension } from '../gitops/webhook.js';
import { createInProcessClient } from '../client/inprocess.js';
import { BackendJournal } from '../managed/backend-journal.js';
import { journalSubresource } from './journal.js';
import { writeKubeconfig } from './kubeconfig.js';
import { startControlLoops, type ControlLoops } from './controllers.js';
import { encryptAtRest } from './encryption.js';
import type { ApiSecurity } from '../auth/types.js';
import { securityReviews } from '../auth/reviews/index.js';

/** What a security factory gets: the open store and registry, the data directory and the logger. */
export interface SecurityContext {
  readonly registry: RegistryContext;
  readonly backend: Backend;
  readonly dataDir: string;
  readonly logger: Logger;
}

/** Options of {@link startConvergeServer}. */
export interface ConvergeServerOptions {
  /** Directory for the embedded store and the kubeconfig (default `./.converge`). */
  readonly dataDir: string;
  /** Store URL; default `sqlite://<dataDir>/state.db`. */
  readonly storeUrl?: string;
  /**
   * Builds the API's authentication, rate limits, authorization and audit once the store and registry are
   * open (see src/auth/types.ts). Undefined: an open API (in-process tests, `--insecure-http`).
   */
  readonly security?: (context: SecurityContext) => ApiSecurity | Promise<ApiSecurity>;
  /**
   * Key file for Secrets encrypted at rest (AES-256-GCM; src/server/encryption.ts). Must exist when given;
   * default `<dataDir>/encryption-keys.json`, created with one random key on first start.
   */
  readonly encryptionKeyFile?: string;
  /** Serve HTTPS with this certificate (and verify client certificates against its CA); absent = plain HTTP. */
  readonly tls?: ServerTls;
  /** What the written kubeconfig carries besides the URL: the CA to trust and the admin's bearer token. */
  readonly kubeconfigCredentials?: { readonly caPem?: string; readonly token?: string };
  /** Listen address; port 0 picks a free one. */
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly limits?: Partial<ApiLimits>;
  /** Run the controllers (default true). False serves the API only. */
  readonly controllers?: boolean;
  /** Called when this replica loses the controller lease after holding it. */
  readonly onLeadershipLost?: () => void;
  /**
   * Elect one controller replica through a lease in the store. Default: only on a shared store (etcd). The
   * embedded sqlite store is locked by one process, which is therefore the only possible replica: electing
   * would only make a restart after `kill -9` wait out the dead process's lease. False on etcd runs the
   * controllers unconditionally, like kube-controller-manager's `--leader-elect=false`: only for a single
   * replica, or for tests that race several controller processes on purpose.
   */
  readonly leaderElection?: boolean;
  /**
   * Where the simulated cloud keeps its resources: a sqlite file (default `<dataDir>/sim.db`, survives
   * restarts like a real cloud) or `memory` (gone on exit).
   */
  readonly simState?: string;
  /** Workers per managed controller (default 16); raise with the ProviderConfigs' `maxConcurrent` for slow backends. */
  readonly workers?: number;
  /** Leader-lease timing (tests shorten it). */
  readonly lease?: { readonly durationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number };
}

/** A running Converge control plane. */
export interface ConvergeServer {
  /** API base URL. */
  readonly url: string;
  /** Path of the kubeconfig written for this server. */
  readonly kubeconfigPath: string;
  readonly storeUrl: string;
  readonly backend: Backend;
  readonly registry: RegistryContext;
  readonly metrics: Metrics;
  /** The simulated clouds (ProviderConfigs with driver `sim`), also served at `/sim/v1`. */
  readonly clouds: SimClouds;
  /** The controllers, when running. */
  readonly controlLoops: ControlLoops | undefined;
  /** Stops serving, ends watches, closes the store. Safe to call twice. */
  close(): Promise<void>;
}

const STORE_METRICS_INTERVAL_MS = 15_000;

function storeMetricsPoller(backend: Backend, metrics: Metrics, logger: Logger): NodeJS.Timeout {
  const poll = () => {
    backend.stats().then(
      (s) => {
        metrics.storeRevision.set(s.revision);
        metrics.storeKeys.set(s.keys);
        metrics.storeSizeBytes.set(s.sizeBytes);
        metrics.storeCompactRevision.set(s.compactRevision);
      },
      (err: unknown) => logger.warn({ err }, 'store stats failed'),
    );
  };
  poll();
  const timer = setInterval(poll, STORE_METRICS_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** How long one shutdown stage may take before it is reported and abandoned. */
const SHUTDOWN_STAGE_MS = 10_000;

/**
 * Runs one shutdown stage with a deadline: a stage that hangs (a stuck reconcile, a client that never closes
 * its connection) is logged by name and abandoned, so shutdown always completes and the store is still closed.
 */
async function stage(logger: Logger, name: string, fn: () => Promise<void> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), SHUTDOWN_STAGE_MS);
  });
  try {
    const outcome = await Promise.race([Promise.resolve(fn()).then(() => 'done' as const), deadline]);
    if (outcome === 'timeout') logger.error({ stage: name, afterMs: SHUTDOWN_STAGE_MS }, 'shutdown stage did not finish; continuing');
  } catch (err) {
    logger.error({ err, stage: name }, 'shutdown stage failed; continuing');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens the store (embedded sqlite by default), starts the Kubernetes-compatible API server and writes a
 * kubeconfig for it. The process that calls this owns the store: a second server on the same sqlite file fails.
 */
export async function startConvergeServer(options: ConvergeServerOptions): Promise<ConvergeServer> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const storeUrl = options.storeUrl ?? `sqlite://${join(dataDir, 'state.db')}`;
  const rawBackend = await openBackend(storeUrl);
  let backend: Backend;
  try {
    backend = await encryptAtRest({
      backend: rawBackend,
      dataDir,
      shared: storeUrl.startsWith('etcd:'),
      logger: options.logger,
      ...(options.encryptionKeyFile !== undefined ? { keyFile: options.encryptionKeyFile } : {}),
    });
  } catch (err) {
    await rawBackend.close();
    throw err;
  }
  const metrics = createMetrics();
  const registry = createRegistryContext({ backend });
  const simState = options.simState ?? join(dataDir, 'sim.db');
  let clouds: SimClouds;
  try {
    clouds = new SimClouds({ state: simState === 'memory' ? new MemorySimState() : new SqliteSimState(resolve(simState)) });
  } catch (err) {
    await backend.close();
    throw err;
  }
  const journal = new BackendJournal({ backend, logger: options.logger });
  let api;
  let security: ApiSecurity | undefined;
  try {
    security = options.security === undefined ? undefined : await options.security({ registry, backend, dataDir, logger: options.logger });
    api = await startApiServer(
      {
        registry,
        types: servedTypes,
        logger: options.logger,
        metrics,
        limits: { ...defaultLimits, ...options.limits },
        checkStore: async () => {
          await backend.stats();
        },
        extensions: [simAdminExtension(clouds), gitopsWebhookExtension({ client: createInProcessClient({ registry }) })],
        subresources: [journalSubresource(journal)],
        reviews: securityReviews(security?.authorizer),
        ...(security !== undefined ? { security } : {}),
      },
      { host: options.host, port: options.port, ...(options.tls !== undefined ? { tls: options.tls } : {}) },
    );
  } catch (err) {
    security?.stop?.();
    clouds.close();
    await backend.close();
    throw err;
  }
  let controlLoops: ControlLoops | undefined;
  if (options.controllers ?? true) {
    try {
      controlLoops = await startControlLoops({
        backend,
        registry,
        clouds,
        journal,
        logger: options.logger,
        metrics,
        onLeadershipLost: options.onLeadershipLost ?? (() => options.logger.error('lost the controller lease')),
        leaderElection: options.leaderElection ?? storeUrl.startsWith('etcd:'),
        gitopsCacheDir: join(dataDir, 'gitops'),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.lease
          ? { leaseDurationMs: options.lease.durationMs, renewDeadlineMs: options.lease.renewDeadlineMs, retryPeriodMs: options.lease.retryPeriodMs }
          : {}),
      });
    } catch (err) {
      await api.close();
      security?.stop?.();
      clouds.close();
      await backend.close();
      throw err;
    }
  }
  const poller = storeMetricsPoller(backend, metrics, options.logger);
  const kubeconfigPath = join(dataDir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfigPath, { server: api.url, name: 'converge', ...options.kubeconfigCredentials });
  let closing: Promise<void> | undefined;
  return {
    url: api.url,
    kubeconfigPath,
    storeUrl,
    backend,
    registry,
    metrics,
    clouds,
    controlLoops,
    close: () => {
      closing ??= (async () => {
        clearInterval(poller);
        await stage(options.logger, 'controllers', () => controlLoops?.stop());
        await stage(options.logger, 'journal', () => journal.flush());
        await stage(options.logger, 'api server', () => api.close());
        security?.stop?.();
        clouds.close();
        await stage(options.logger, 'store', () => backend.close());
      })();
      return closing;
    },
  };
}
