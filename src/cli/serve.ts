import { parseArgs } from 'node:util';
import { createLogger } from '../observability/logger.js';
import { SqliteSimState } from '../providers/sim/index.js';
import { startConvergeServer } from '../server/converge-server.js';
import { secureServeOptions } from '../auth/tls/serve-options.js';
import { LIMIT_FLAGS_HELP, limitFlagOptions, limitOptionsFromFlags } from '../auth/ratelimit/flags.js';
import { withServeLimits } from '../auth/security.js';
import { InvalidError } from '../errors/index.js';
import { CliError } from './errors.js';
import { durationFlag } from './flags.js';

const HELP = `Usage: converge serve [options]

Starts the Converge API server on the embedded store (sqlite under --data-dir) or on etcd.

Options:
  --data-dir DIR      state directory (default ./.converge)
  --store URL         store URL: sqlite://PATH (default <data-dir>/state.db), etcd://HOST:PORT[,HOST:PORT], memory://
  --listen HOST:PORT  address to serve on (default 127.0.0.1:6443; port 0 = any free port)
  --log-level LEVEL   fatal, error, warn, info, debug, trace or silent (default info)
  --tls-cert PATH, --tls-key PATH
                      serve this certificate instead of the one issued by the cluster CA
                      (<data-dir>/pki, created on first start)
  --token-file PATH   bearer tokens, hashed (default <data-dir>/tokens.json; "converge token --help")
  --insecure-http     plain HTTP without authentication; only on a loopback --listen address
${LIMIT_FLAGS_HELP}  --api-only          serve the API without running the controllers
  --workers N         concurrent reconciles per managed controller (default 16); backend load is bounded
                      by each ProviderConfig's spec.concurrency.maxConcurrent
  --encryption-key-file PATH
                      keys encrypting Secrets at rest (AES-256-GCM; the first encrypts, all decrypt;
                      default <data-dir>/encryption-keys.json, created on first start, mode 0600);
                      rotate with "converge secrets rotate-key"
  --sim-state PATH    where the simulated cloud keeps its resources: a sqlite file (default
                      <data-dir>/sim.db, survives restarts) or "memory"
  --lease-duration D  controller leader lease (default 15s); a standby replica takes over within it
  --leader-elect=true|false
                      elect one controller replica through a lease in the store; default true on
                      etcd, false on the embedded store (one process holds its lock anyway)

Controllers run on one replica at a time (a lease in the store); ProviderConfig "default" (the simulated
cloud) is created on first start.

converge serve --kube [--kubeconfig PATH] [--context NAME] [--namespace NS] [--metrics-listen HOST:PORT]
  runs only the controllers against a Kubernetes API server with the CRDs ("converge serve --kube --help").
`;

/** Splits `HOST:PORT` (IPv6 as `[::1]:6443`) with a clear error naming the flag. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new CliError(`--listen: expected HOST:PORT (e.g. 127.0.0.1:6443), got "${text}"`, 2);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

/** Hides `user:password@` in a store URL before it is printed or logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

/** `converge serve`: runs until SIGINT/SIGTERM, then shuts down cleanly (exit 0). */
export async function runServe(argv: readonly string[]): Promise<number> {
  // Kube mode has flags of its own and refuses the store/API ones; it parses its argv itself.
  if (argv.includes('--kube')) return (await import('../kube/serve.js')).runServeKube(argv);
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'data-dir': { type: 'string', default: './.converge' },
        store: { type: 'string' },
        listen: { type: 'string', default: '127.0.0.1:6443' },
        'log-level': { type: 'string', default: 'info' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'token-file': { type: 'string' },
        'insecure-http': { type: 'boolean', default: false },
        ...limitFlagOptions,
        'api-only': { type: 'boolean', default: false },
        'sim-state': { type: 'string' },
        'encryption-key-file': { type: 'string' },
        workers: { type: 'string' },
        'lease-duration': { type: 'string', default: '15s' },
        'leader-elect': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new CliError(`serve: ${(err as Error).message}`, 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { host, port } = parseListen(values.listen);
  const leaseMs = durationFlag('lease-duration', values['lease-duration']);
  if (leaseMs < 1000) throw new CliError('--lease-duration: must be at least 1s', 2);
  const leaderElect = values['leader-elect'];
  if (leaderElect !== undefined && leaderElect !== 'true' && leaderElect !== 'false') throw new CliError(`--leader-elect: expected true or false, got "${leaderElect}"`, 2);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 4096)) {
    throw new CliError(`--workers: expected a whole number from 1 to 4096, got "${values.workers ?? ''}"`, 2);
  }
  let secure;
  try {
    secure = await secureServeOptions({
      dataDir: values['data-dir'],
      listenHost: host,
      insecureHttp: values['insecure-http'],
      ...(values['tls-cert'] !== undefined ? { tlsCert: values['tls-cert'] } : {}),
      ...(values['tls-key'] !== undefined ? { tlsKey: values['tls-key'] } : {}),
      ...(values['token-file'] !== undefined ? { tokenFile: values['token-file'] } : {}),
    });
    const limits = await limitOptionsFromFlags(values);
    if (secure.security !== undefined) secure = { ...secure, security: withServeLimits(secure.security, limits) };
    else if (Object.keys(limitFlagOptions).some((flag) => values[flag as keyof typeof limitFlagOptions] !== undefined)) {
      throw new InvalidError('--audit-* and --max-requests-* apply to authenticated users: not available with --insecure-http');
    }
  } catch (err) {
    if (err instanceof InvalidError) throw new CliError(err.message, 2);
    throw err;
  }
  const logger = createLogger({ level: values['log-level'], destination: process.stderr });
  let leadershipLost = false;
  let stopServing: (() => void) | undefined;
  const server = await startConvergeServer({
    controllers: !values['api-only'],
    ...(leaderElect !== undefined ? { leaderElection: leaderElect === 'true' } : {}),
    // client-go's proportions: renew deadline 2/3 of the lease, retry every 2/15 of it.
    lease: { durationMs: leaseMs, renewDeadlineMs: Math.round((leaseMs * 2) / 3), retryPeriodMs: Math.round((leaseMs * 2) / 15) },
    onLeadershipLost: () => {
      // Like kube-controller-manager: a replica that lost its lease exits so that it restarts clean.
      logger.error('lost the controller lease; shutting down');
      leadershipLost = true;
      stopServing?.();
    },
    ...secure,
    dataDir: values['data-dir'],
    ...(values['sim-state'] !== undefined ? { simState: values['sim-state'] } : {}),
    ...(values['encryption-key-file'] !== undefined ? { encryptionKeyFile: values['encryption-key-file'] } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(values.store !== undefined ? { storeUrl: values.store } : {}),
    host,
    port,
    logger,
  });
  logger.info({ url: server.url, store: redactUrl(server.storeUrl), kubeconfig: server.kubeconfigPath }, 'converge serving');
  process.stdout.write(
    `Converge API listening on ${server.url}\n` +
      `Store: ${redactUrl(server.storeUrl)}\n` +
      `Kubeconfig: ${server.kubeconfigPath}\n` +
      `Simulated cloud: ${server.clouds.state instanceof SqliteSimState ? server.clouds.state.path : 'in memory'} (admin endpoint ${server.url}/sim/v1, "converge sim --help")\n` +
      `Controllers: ${server.controlLoops ? `running (replica ${server.controlLoops.identity})` : 'off (--api-only)'}\n` +
      `  export KUBECONFIG=${server.kubeconfigPath}; kubectl get instances\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal?: NodeJS.Signals) => {
      if (signal) logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    stopServing = () => stop();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  logger.info('stopped');
  const code = leadershipLost ? 1 : 0;
  // Shutdown is complete and the store closed: exit even if a stray timer or socket would keep the loop alive.
  setImmediate(() => process.exit(code));
  return code;
}
