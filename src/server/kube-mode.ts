/**
 * Kube mode (`converge serve --kube`): only the controllers, against a Kubernetes API server that has the
 * converge.io CRDs installed — a real cluster, or `converge serve --api-only` standing in for one. No API
 * server and no store of its own: everything goes through the HTTP {@link ApiClient}, the code path a pod
 * in a cluster uses. Replicas elect a leader through a `coordination.k8s.io/v1` Lease ({@link ApiLeaseLock});
 * informers run on every replica so a standby takes over with warm caches. Probes and metrics are served on
 * a separate small HTTP port ({@link startHealthServer}), with the GitOps push webhook (`/hooks/v1/...`).
 *
 * What standalone `converge serve` has and kube mode does not: the journal lives in the leader's memory (not
 * in a store, not served as the `journal` subresource: kube-apiserver serves no custom subresources), Event
 * expiry is left to the API server (kube-apiserver's `--event-ttl`), and the simulated cloud has no admin
 * endpoint (it is served by `converge serve` next to its API).
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { createManagedControllers, ensureDefaultProviderConfig } from '../../controllers/index.js';
import type { ApiClient } from '../client/types.js';
import { MemoryJournal } from '../managed/journal.js';
import type { Logger } from '../observability/logger.js';
import type { SimClouds } from '../providers/sim/index.js';
import { ApiLeaseLock } from '../runtime/api-lease-lock.js';
import { apiEventSink, teeEventSink } from '../runtime/events.js';
import { AggregatingRecorder, LeaderElector, Manager, createRuntimeMetrics, logEventSink } from '../runtime/index.js';
import { gitopsWebhookExtension } from '../gitops/webhook.js';
import { startHealthServer, type ProbeResult } from '../kube/health.js';
import { preflight } from '../kube/preflight.js';

/** Name of the Lease the controller replicas compete for (the same name `converge serve` uses in its store). */
export const CONTROLLER_LEASE_NAME = 'converge-controllers';

/** Options of {@link startKubeMode}. */
export interface KubeModeOptions {
  /** The HTTP client of the cluster (in-cluster config or a kubeconfig). */
  readonly client: ApiClient;
  /** Base URL of the API server, for messages. */
  readonly server: string;
  /** Namespace of the Lease (in a cluster: the pod's namespace). */
  readonly leaseNamespace: string;
  /** Default {@link CONTROLLER_LEASE_NAME}. */
  readonly leaseName?: string;
  /** The simulated clouds the `sim` driver acts on. */
  readonly clouds: SimClouds;
  readonly logger: Logger;
  /** Where probes and metrics are served; port 0 picks a free one. */
  readonly metrics: { readonly host: string; readonly port: number };
  /** Elect one replica through the Lease (default true); false reconciles unconditionally (one replica only). */
  readonly leaderElection?: boolean;
  /** Lease timing; defaults are client-go's (15 s, 10 s, 2 s). */
  readonly lease?: { readonly durationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number };
  /** Workers per managed controller. */
  readonly workers?: number;
  /** Called when this replica loses the Lease after holding it (the process should exit and restart). */
  readonly onLeadershipLost: () => void;
  /** Called when the controllers stopped on an error (e.g. caches that never synced); `/livez` fails from then on. */
  readonly onFailed?: (err: unknown) => void;
  /** This replica's identity in the Lease; default `<hostname>-<pid>-<random>` (the pod name comes first). */
  readonly identity?: string;
}

/** A running kube-mode replica. */
export interface KubeMode {
  readonly identity: string;
  /** `namespace/name` of the Lease, or undefined without leader election. */
  readonly lease: string | undefined;
  /** Base URL of the probe and metrics server. */
  readonly healthUrl: string;
  isLeader(): boolean;
  /** What `/readyz` answers. */
  ready(): ProbeResult;
  /** Stops the controllers (releasing the Lease), the informers and the health server. Safe to call twice. */
  close(): Promise<void>;
}

/** A default replica identity: the pod's name (its hostname) first, so `kubectl get leases` names the pod. */
export function replicaIdentity(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Checks the API server (reachable, serves the CRDs and Leases, lets us list them), creates ProviderConfig
 * `default` (the simulated cloud) as `converge serve` does, then starts informers, the election and the
 * health server. Rejects with one readable error when the API server is unusable; nothing keeps running then.
 */
export async function startKubeMode(options: KubeModeOptions): Promise<KubeMode> {
  const { client, logger } = options;
  const leaseName = options.leaseName ?? CONTROLLER_LEASE_NAME;
  await preflight({ client, server: options.server, leaseNamespace: options.leaseNamespace });
  await ensureDefaultProviderConfig(client);
  const identity = options.identity ?? replicaIdentity();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const elect = options.leaderElection ?? true;
  const elector = elect
    ? new LeaderElector({
        lock: new ApiLeaseLock({ client, namespace: options.leaseNamespace, name: leaseName }),
        identity,
        logger,
        ...(options.lease
          ? { leaseDurationMs: options.lease.durationMs, renewDeadlineMs: options.lease.renewDeadlineMs, retryPeriodMs: options.lease.retryPeriodMs }
          : {}),
      })
    : undefined;
  const recorder = new AggregatingRecorder({
    sink: teeEventSink(apiEventSink(client, { logger }), logEventSink(logger)),
    component: 'converge-controllers',
    logger,
  });
  const built = createManagedControllers({
    client,
    clouds: options.clouds,
    // No store in kube mode: the journal is the leader's, in memory (see the module comment).
    journal: new MemoryJournal(),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    logger,
    metrics: registry,
    runtimeMetrics: createRuntimeMetrics(registry),
    recorder,
  });
  const manager = new Manager({ ...(elector ? { leaderElection: elector } : {}), logger, onLeadershipLost: options.onLeadershipLost });
  manager.add(built.informers);
  for (const c of built.controllers) manager.add(c);
  // Added last, so it starts after every controller has created the informers of its watches (some exist only
  // on the leader): once they have all synced, the controllers' workers are running.
  let leaderSynced = false;
  manager.add({
    needLeaderElection: true,
    async start(signal) {
      leaderSynced = await built.informers.waitForSync(signal);
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      leaderSynced = false;
    },
  });
  new Gauge({
    // client-go's name: 1 while this replica leads.
    name: 'leader_election_master_status',
    help: 'Gauge of whether this replica is the leader (1) or not (0) of the named lease.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.set({ name: leaseName }, manager.isLeader() ? 1 : 0);
    },
  });
  let failed: unknown;
  let synced = false;
  const ready = (): ProbeResult => {
    if (failed !== undefined) return { ok: false, reason: 'controller manager failed' };
    if (!synced) return { ok: false, reason: 'informer caches not synced yet' };
    if (manager.isLeader() && !leaderSynced) return { ok: false, reason: 'leading; controller caches not synced yet' };
    // A standby is ready too: its caches are warm and it takes over as soon as the Lease expires.
    return { ok: true };
  };
  // Bind the probe port before campaigning: a replica that cannot serve its probes must not lead.
  const health = await startHealthServer({
    host: options.metrics.host,
    port: options.metrics.port,
    registry,
    logger,
    checks: { live: () => (failed === undefined ? { ok: true } : { ok: false, reason: 'controller manager failed' }), ready },
    // GitOps push webhooks: standalone serves them next to its API; here next to the probes. Any replica
    // accepts a delivery (it only annotates the GitRepository); the leader's controller syncs.
    extensions: [gitopsWebhookExtension({ client })],
  });
  const abort = new AbortController();
  setMaxListeners(100, abort.signal);
  const running = manager.start(abort.signal).catch((err: unknown) => {
    failed = err;
    logger.error({ err }, 'controller manager failed');
    options.onFailed?.(err);
  });
  void built.informers.waitForSync(abort.signal).then((ok) => {
    synced = ok;
    if (ok) logger.info('informer caches synced');
  });
  let closing: Promise<void> | undefined;
  return {
    identity,
    lease: elect ? `${options.leaseNamespace}/${leaseName}` : undefined,
    healthUrl: health.url,
    isLeader: () => manager.isLeader(),
    ready,
    close: () => {
      closing ??= (async () => {
        abort.abort();
        await running;
        recorder.flush();
        await health.close();
      })();
      return closing;
    },
  };
}
