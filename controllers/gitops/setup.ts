/**
 * The GitRepository controller: reconciles a GitRepository when its spec, labels or annotations change (a push
 * webhook touches `gitops.converge.io/requestedAt`), when its credentials Secret changes (a fetch that failed
 * for want of it goes again at once instead of after its backoff), and every `spec.interval` otherwise.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gitRepositoryType } from '../../schemas/gitrepository.js';
import type { KubeObject } from '../../schemas/object.js';
import { secretType } from '../../schemas/index.js';
import { Controller, desiredStateChanged, type InformerSource, type Request } from '../../src/runtime/index.js';
import type { ManagedControllerDeps } from '../managed.js';
import { createGitRepositoryReconciler } from './reconcile.js';

/** Workers of the GitRepository controller: syncs are mostly git and API round trips, a few at once suffice. */
export const GITOPS_WORKERS = 4;

/** Where checkouts go when the server names no directory: a per-user directory under the OS temp dir. */
export function defaultGitOpsCacheDir(): string {
  return join(tmpdir(), `converge-gitops-${process.getuid?.() ?? 'user'}`);
}

/** The GitRepositories in the Secret's namespace whose `spec.secretRef` names it. */
function usersOfSecret(informers: InformerSource, secret: KubeObject): Request[] {
  return informers
    .informerFor(gitRepositoryType)
    .cache.list()
    .filter((r) => {
      const ref = r.spec?.['secretRef'];
      const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
      return r.metadata.namespace === secret.metadata.namespace && name === secret.metadata.name;
    })
    .map((r) => ({ namespace: r.metadata.namespace ?? 'default', name: r.metadata.name }));
}

/** The GitRepository controller (add it to the Manager, or start it). `cacheDir` holds the checkouts. */
export function setupGitRepositoryController(deps: ManagedControllerDeps, options: { readonly cacheDir?: string } = {}): Controller {
  const controller = new Controller({
    name: 'gitrepository-controller',
    type: gitRepositoryType,
    reconciler: createGitRepositoryReconciler({ client: deps.client, cacheDir: options.cacheDir ?? defaultGitOpsCacheDir(), recorder: deps.recorder }),
    informers: deps.informers,
    predicate: desiredStateChanged,
    workers: GITOPS_WORKERS,
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    ...(deps.runtimeMetrics ? { metrics: deps.runtimeMetrics.controller, queueMetrics: deps.runtimeMetrics.workqueue } : {}),
  });
  return controller.watchMapped(secretType, (secret) => usersOfSecret(deps.informers, secret));
}
