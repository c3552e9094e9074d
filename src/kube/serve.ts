/**
 * `converge serve --kube`: the command-line side of kube mode (see `src/server/kube-mode.ts`). Parses its
 * flags, loads the Kubernetes configuration, starts the controllers and runs until SIGINT/SIGTERM. Flags of
 * standalone `serve` that mean nothing here (a store, an API listen address) are refused by name.
 */
import { parseArgs } from 'node:util';
import { HttpApiClient } from '../client/http.js';
import { CliError } from '../cli/errors.js';
import { durationFlag } from '../cli/flags.js';
import { parseListen } from '../cli/serve.js';
import { createLogger } from '../observability/logger.js';
import { MemorySimState, SimClouds, SqliteSimState } from '../providers/sim/index.js';
import { startKubeMode } from '../server/kube-mode.js';
import { resolve } from 'node:path';
import { loadKubeConfig } from './config.js';

/** Default address of the probe and metrics server: every interface, so the kubelet and Prometheus reach it. */
export const DEFAULT_METRICS_LISTEN = '0.0.0.0:8080';

/** Help text of `converge serve --kube`. */
export const KUBE_HELP = `Usage: converge serve --kube [options]

Runs only the controllers against a Kubernetes API server that has the converge.io CRDs installed (no API
server or store of its own). Configuration: --kubeconfig, else $KUBECONFIG, else the pod's service account
(in-cluster), else ~/.kube/config. Replicas elect one leader through a coordination.k8s.io/v1 Lease.

Options:
  --kubeconfig PATH       kubeconfig to use (default: $KUBECONFIG, in-cluster config, ~/.kube/config)
  --context NAME          kubeconfig context (default: its current context)
  --namespace NS          namespace of the Lease "converge-controllers" (default: the context's namespace;
                          in a pod, the pod's namespace; else "default")
  --metrics-listen H:P    probes, metrics and GitOps push webhooks: /livez, /readyz, /metrics,
                          /hooks/v1/gitrepositories/NS/NAME (default ${DEFAULT_METRICS_LISTEN})
  --lease-duration D      leader lease (default 15s); a standby takes over within it
  --leader-elect=true|false
                          elect one replica through the Lease (default true); false only for one replica
  --workers N             concurrent reconciles per managed controller (default 16)
  --sim-state PATH        the simulated cloud's resources: "memory" (default in kube mode) or a sqlite file
                          (replicas on one machine share it; in a cluster it would need a shared volume)
  --log-level LEVEL       fatal, error, warn, info, debug, trace or silent (default info)

Not available in kube mode: --store, --listen, --data-dir, --api-only (the cluster's API server is the API
and the store), the journal subresource (the journal is kept in the leader's memory), the /sim/v1 admin
endpoint, and Event expiry (kube-apiserver's --event-ttl does that).
`;

/** Standalone flags that kube mode refuses, and why. */
const NOT_IN_KUBE_MODE: Readonly<Record<string, string>> = {
  store: 'kube mode keeps no store: the Kubernetes API server is the store',
  listen: 'kube mode serves no API; probes and metrics are on --metrics-listen',
  'data-dir': 'kube mode keeps no local state (use --sim-state PATH for the simulated cloud)',
  'api-only': 'kube mode runs only the controllers',
};

function parse(argv: readonly string[]) {
  for (const arg of argv) {
    const name = /^--([a-z-]+)(?:=|$)/.exec(arg)?.[1];
    const why = name === undefined ? undefined : NOT_IN_KUBE_MODE[name];
    if (why !== undefined) throw new CliError(`serve --kube: --${name} is not used: ${why}`, 2);
  }
  try {
    return parseArgs({
      args: [...argv],
      options: {
        kube: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string' },
        'metrics-listen': { type: 'string', default: DEFAULT_METRICS_LISTEN },
        'lease-duration': { type: 'string', default: '15s' },
        'leader-elect': { type: 'string', default: 'true' },
        workers: { type: 'string' },
        'sim-state': { type: 'string', default: 'memory' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new CliError(`serve --kube: ${(err as Error).message}`, 2);
  }
}

function metricsListen(text: string): { host: string; port: number } {
  try {
    return parseListen(text);
  } catch {
    throw new CliError(`--metrics-listen: expected HOST:PORT (e.g. ${DEFAULT_METRICS_LISTEN}), got "${text}"`, 2);
  }
}

/**
 * Runs kube mode until SIGINT/SIGTERM (exit 0), a lost lease or failed controllers (exit 1, for the kubelet to
 * restart). Start-up errors are thrown for the CLI to print as one line.
 */
export async function runServeKube(argv: readonly string[]): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    process.stdout.write(KUBE_HELP);
    return 0;
  }
  const metrics = metricsListen(values['metrics-listen']);
  const leaseMs = durationFlag('lease-duration', values['lease-duration']);
  if (leaseMs < 1000) throw new CliError('--lease-duration: must be at least 1s', 2);
  const leaderElect = values['leader-elect'];
  if (leaderElect !== 'true' && leaderElect !== 'false') throw new CliError(`--leader-elect: expected true or false, got "${leaderElect}"`, 2);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 4096)) {
    throw new CliError(`--workers: expected a whole number from 1 to 4096, got "${values.workers ?? ''}"`, 2);
  }
  const loaded = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
  const leaseNamespace = values.namespace ?? loaded.namespace ?? 'default';
  const logger = createLogger({ level: values['log-level'], destination: process.stderr });
  const simState = values['sim-state'];
  const clouds = new SimClouds({ state: simState === 'memory' ? new MemorySimState() : new SqliteSimState(resolve(simState)) });
  const client = new HttpApiClient(loaded.kc);
  let leadershipLost = false;
  let failed = false;
  let stopServing: (() => void) | undefined;
  let mode;
  try {
    mode = await startKubeMode({
      client,
      server: client.server,
      leaseNamespace,
      clouds,
      logger,
      metrics,
      leaderElection: leaderElect === 'true',
      // client-go's proportions: renew deadline 2/3 of the lease, retry every 2/15 of it.
      lease: { durationMs: leaseMs, renewDeadlineMs: Math.round((leaseMs * 2) / 3), retryPeriodMs: Math.round((leaseMs * 2) / 15) },
      ...(workers !== undefined ? { workers } : {}),
      onLeadershipLost: () => {
        // Like kube-controller-manager: a replica that lost its lease exits and the kubelet restarts it clean.
        logger.error('lost the controller lease; shutting down');
        leadershipLost = true;
        stopServing?.();
      },
      onFailed: () => {
        failed = true;
        stopServing?.();
      },
    });
  } catch (err) {
    client.close();
    clouds.close();
    throw err;
  }
  logger.info({ server: client.server, source: loaded.source, identity: mode.identity, lease: mode.lease, health: mode.healthUrl }, 'converge controllers running (kube mode)');
  process.stdout.write(
    `Converge controllers (kube mode) against ${client.server} (${loaded.source})\n` +
      `Replica: ${mode.identity}\n` +
      `Leader election: ${mode.lease !== undefined ? `Lease ${mode.lease} (${values['lease-duration']})` : 'off (--leader-elect=false)'}\n` +
      `Probes and metrics: ${mode.healthUrl} (/livez, /readyz, /metrics, /hooks/v1)\n` +
      `Simulated cloud: ${simState === 'memory' ? 'in memory' : resolve(simState)}\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = (signal?: NodeJS.Signals) => {
      if (signal) logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    stopServing = () => stop();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await mode.close();
  client.close();
  clouds.close();
  logger.info('stopped');
  const code = leadershipLost || failed ? 1 : 0;
  // Shutdown is complete: exit even if a stray timer or socket would keep the loop alive.
  setImmediate(() => process.exit(code));
  return code;
}
