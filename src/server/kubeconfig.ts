import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

/** Options of {@link writeKubeconfig}. */
export interface KubeconfigOptions {
  /** API base URL, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  /** Name used for the cluster, user and context entries. */
  readonly name: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
  /** PEM of the CA that signed the server certificate (written as `certificate-authority-data`). */
  readonly caPem?: string;
  /** Bearer token of the user entry. */
  readonly token?: string;
}

/** Renders a kubeconfig that points kubectl and `converge` at this server, with its CA and the user's token. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const { name } = options;
  const cluster = {
    server: options.server,
    ...(options.caPem !== undefined ? { 'certificate-authority-data': Buffer.from(options.caPem).toString('base64') } : {}),
  };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: options.token !== undefined ? { token: options.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes the kubeconfig atomically (temp file + rename, mode 0600) so a reader never sees half a file. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, renderKubeconfig(options), { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * The bearer token of the first user entry of the kubeconfig at `path` (the one {@link writeKubeconfig}
 * wrote), or undefined when there is no such file or token. Lets `converge serve` keep the admin token across
 * restarts although the token file only holds its hash.
 */
export async function readKubeconfigToken(path: string): Promise<string | undefined> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  const users = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['users'] : undefined;
  const first: unknown = Array.isArray(users) ? users[0] : undefined;
  const user = typeof first === 'object' && first !== null ? (first as Record<string, unknown>)['user'] : undefined;
  const token = typeof user === 'object' && user !== null ? (user as Record<string, unknown>)['token'] : undefined;
  return typeof token === 'string' ? token : undefined;
}
