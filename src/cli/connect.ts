import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpApiClient } from '../client/http.js';
import { CliError } from './errors.js';

/** Connection flags shared by every client command. */
export interface ConnectionFlags {
  /** `--server URL`: talk to this API server directly (no credentials), like `kubectl --server`. */
  readonly server?: string | undefined;
  /** `--kubeconfig PATH`. */
  readonly kubeconfig?: string | undefined;
  /** `-n/--namespace`. */
  readonly namespace?: string | undefined;
}

/** A connected client and the namespace commands default to. */
export interface Connection {
  readonly client: HttpApiClient;
  readonly namespace: string;
}

/**
 * Where the kubeconfig comes from, in order: `--kubeconfig`, `$KUBECONFIG`, `./.converge/kubeconfig.yaml`
 * (written by `converge serve` in this directory), `~/.kube/config`.
 */
export function kubeconfigPath(flag: string | undefined): string | undefined {
  if (flag) return resolve(flag);
  const env = process.env['KUBECONFIG']?.split(':').find((p) => p !== '');
  if (env) return env;
  const local = resolve('.converge', 'kubeconfig.yaml');
  if (existsSync(local)) return local;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

/** Builds the HTTP client from flags; errors say what to do (start `converge serve`, pass `--server`). */
export function connect(flags: ConnectionFlags): Connection {
  const kc = new KubeConfig();
  if (flags.server) {
    let url: URL;
    try {
      url = new URL(flags.server);
    } catch {
      throw new CliError(`--server: not a URL: "${flags.server}" (e.g. http://127.0.0.1:6443)`, 2);
    }
    kc.loadFromClusterAndUser({ name: 'converge', server: url.toString().replace(/\/$/, ''), skipTLSVerify: false }, { name: 'converge' });
  } else {
    const path = kubeconfigPath(flags.kubeconfig);
    if (!path) {
      throw new CliError('no kubeconfig found: start "converge serve" in this directory, set KUBECONFIG, or pass --server URL', 1);
    }
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new CliError(`cannot read kubeconfig ${path}: ${(err as Error).message.split('\n')[0] ?? ''}`, 1);
    }
  }
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return { client: new HttpApiClient(kc), namespace: flags.namespace ?? contextNamespace ?? 'default' };
}
