/**
 * Where `converge serve --kube` finds its API server, in controller-runtime's order: `--kubeconfig`, then
 * `$KUBECONFIG`, then the pod's service account (in-cluster config: `KUBERNETES_SERVICE_HOST`/`_PORT` and the
 * token, CA and namespace under /var/run/secrets/kubernetes.io/serviceaccount), then `~/.kube/config`.
 * Every failure is one sentence naming the file or setting at fault, never a parser's stack.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InvalidError, NotFoundError } from '../errors/index.js';

/** Where the service account's files are mounted in a pod. */
export const SERVICE_ACCOUNT_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of {@link loadKubeConfig}. */
export interface LoadKubeConfigOptions {
  /** `--kubeconfig PATH`; wins over everything else. */
  readonly kubeconfig?: string | undefined;
  /** `--context NAME`: a context of the kubeconfig other than its current one (not for in-cluster config). */
  readonly context?: string | undefined;
  /** Environment to read `KUBECONFIG` and `KUBERNETES_SERVICE_*` from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of the service account directory (tests mount a fake one). Default '' (the real path). */
  readonly inClusterPathPrefix?: string;
  /** Home directory for `~/.kube/config`. Default `os.homedir()`. */
  readonly home?: string;
}

/** A loaded configuration and where it came from. */
export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  /** For logs and the start-up banner, e.g. `kubeconfig /path (context prod)` or `in-cluster service account`. */
  readonly source: string;
  /** API server URL of the current context. */
  readonly server: string;
  /** The context's namespace (in-cluster: the pod's namespace), if any. */
  readonly namespace: string | undefined;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

function fromFile(path: string, what: string): KubeConfig {
  if (!existsSync(path)) throw new NotFoundError(`kubeconfig ${path} (${what}) does not exist`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new InvalidError(`cannot read kubeconfig ${path}: ${firstLine(err)}`);
  }
  return kc;
}

function inCluster(env: Readonly<Record<string, string | undefined>>, prefix: string): KubeConfig {
  const token = `${prefix}${SERVICE_ACCOUNT_ROOT}/token`;
  if (!existsSync(token)) {
    throw new NotFoundError(`in-cluster config: KUBERNETES_SERVICE_HOST is set but the service account token ${token} is missing (automountServiceAccountToken: false?)`);
  }
  if (!env['KUBERNETES_SERVICE_PORT']) throw new InvalidError('in-cluster config: KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is not');
  const kc = new KubeConfig();
  // client-node reads the host and port from process.env; hand it the environment we were given.
  const saved = { host: process.env['KUBERNETES_SERVICE_HOST'], port: process.env['KUBERNETES_SERVICE_PORT'] };
  process.env['KUBERNETES_SERVICE_HOST'] = env['KUBERNETES_SERVICE_HOST'];
  process.env['KUBERNETES_SERVICE_PORT'] = env['KUBERNETES_SERVICE_PORT'];
  try {
    kc.loadFromCluster(prefix);
  } finally {
    restore('KUBERNETES_SERVICE_HOST', saved.host);
    restore('KUBERNETES_SERVICE_PORT', saved.port);
  }
  return kc;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Picks the configuration (see the module comment) and checks it names a usable cluster. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  let kc: KubeConfig;
  let source: string;
  const envPath = env['KUBECONFIG']?.split(':').find((p) => p !== '');
  const homeConfig = join(options.home ?? homedir(), '.kube', 'config');
  if (options.kubeconfig !== undefined) {
    const path = resolve(options.kubeconfig);
    kc = fromFile(path, '--kubeconfig');
    source = `kubeconfig ${path}`;
  } else if (envPath !== undefined) {
    kc = fromFile(envPath, '$KUBECONFIG');
    source = `kubeconfig ${envPath} ($KUBECONFIG)`;
  } else if (env['KUBERNETES_SERVICE_HOST']) {
    if (options.context !== undefined) throw new InvalidError('--context needs a kubeconfig; in-cluster config has a single context');
    kc = inCluster(env, options.inClusterPathPrefix ?? '');
    source = 'in-cluster service account';
  } else if (existsSync(homeConfig)) {
    kc = fromFile(homeConfig, '~/.kube/config');
    source = `kubeconfig ${homeConfig}`;
  } else {
    throw new NotFoundError('no Kubernetes configuration: pass --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account');
  }
  if (options.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new NotFoundError(`--context: no context "${options.context}" in ${source} (it has: ${names.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(options.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  if (!contextName || context === null) throw new InvalidError(`${source} has no current context: pass --context NAME`);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new InvalidError(`${source}: context "${contextName}" names cluster "${context.cluster}", which is not defined`);
  try {
    new URL(cluster.server);
  } catch {
    throw new InvalidError(`${source}: cluster "${cluster.name}" has no valid server URL (got "${cluster.server}")`);
  }
  return {
    kc,
    source: source.startsWith('kubeconfig') ? `${source}, context ${contextName}` : source,
    server: cluster.server,
    namespace: context.namespace !== undefined && context.namespace !== '' ? context.namespace.trim() : undefined,
  };
}
