import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** Options of {@link writeKubeconfig}. */
export interface KubeconfigOptions {
  /** API base URL, e.g. `http://127.0.0.1:6443`. */
  readonly server: string;
  /** Name used for the cluster, user and context entries. */
  readonly name: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
}

/** Renders a kubeconfig that points kubectl and `converge` at this server. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const { name } = options;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: options.server } }],
    users: [{ name, user: {} }],
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
