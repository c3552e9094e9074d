/**
 * The GitRepository reconciler: fetch the revision, run one sync (src/gitops/sync.ts holds the safety rules),
 * write what happened to status, and come back after `spec.interval`. A push webhook makes it run at once by
 * touching the `gitops.converge.io/requestedAt` annotation; re-applying on every interval also undoes changes
 * made behind the repository's back.
 */
import { isDeepStrictEqual } from 'node:util';
import { gitRepositorySpec, gitRepositoryType, type InventoryEntry } from '../../schemas/gitrepository.js';
import type { JsonObject, KubeObject } from '../../schemas/object.js';
import { parseDuration } from '../../schemas/duration.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { OwnerSource } from '../../src/gitops/owner.js';
import { fetchSource, removeCache } from '../../src/gitops/source.js';
import { GITOPS_ADMIN_NAMESPACE, SyncOutcome, syncTree } from '../../src/gitops/sync.js';
import { EventType, type EventRecorder, type Reconciler } from '../../src/runtime/index.js';
import { fetchFailedStatus, suspendedStatus, syncedStatus } from './status.js';

/** What {@link createGitRepositoryReconciler} needs. */
export interface GitRepositoryReconcilerDeps {
  readonly client: ApiClient;
  /** Where the checkouts live (one repository per GitRepository). */
  readonly cacheDir: string;
  readonly recorder: EventRecorder;
  /** Default wall clock. */
  readonly now?: () => Date;
  /** Default `Math.random`; jitters the interval by ±10%. */
  readonly random?: () => number;
}

async function fetchRepo(client: ApiClient, namespace: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(gitRepositoryType, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes `status` unless it equals what is stored. */
async function writeStatus(client: ApiClient, repo: KubeObject, status: JsonObject): Promise<void> {
  if (isDeepStrictEqual(repo.status ?? {}, status)) return;
  await client.update(gitRepositoryType, { ...repo, status }, { subresource: 'status' });
}

function inventoryOf(repo: KubeObject): InventoryEntry[] {
  const list = repo.status?.['inventory'];
  return Array.isArray(list) ? (list as unknown as InventoryEntry[]) : [];
}

/** See the module comment. Fetch failures are written to status and rethrown (retry with backoff). */
export function createGitRepositoryReconciler(deps: GitRepositoryReconcilerDeps): Reconciler {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  return async (req, signal, ctx) => {
    const namespace = req.namespace ?? 'default';
    const repo = await fetchRepo(deps.client, namespace, req.name);
    if (repo === undefined) {
      await removeCache(deps.cacheDir, namespace, req.name);
      return;
    }
    if (repo.metadata.deletionTimestamp !== undefined) return;
    const spec = gitRepositorySpec.parse(repo.spec);
    if (spec.suspend) {
      await writeStatus(deps.client, repo, suspendedStatus(repo));
      return;
    }
    const intervalMs = parseDuration(spec.interval) ?? 300_000;
    let source;
    try {
      source = await fetchSource({ client: deps.client, cacheDir: deps.cacheDir, namespace, name: req.name, uid: repo.metadata.uid ?? '', spec, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'git fetch failed');
      deps.recorder.event(repo, EventType.Warning, 'FetchFailed', err instanceof Error ? err.message : String(err));
      await writeStatus(deps.client, repo, fetchFailedStatus(repo, err, now()));
      throw err;
    }
    const result = await syncTree({
      client: deps.client,
      root: source.dir,
      path: spec.path,
      owner: { source: OwnerSource.GitRepository, namespace, name: req.name },
      defaultNamespace: namespace,
      previous: inventoryOf(repo),
      prune: spec.prune,
      maxPrunePercent: spec.maxPrunePercent,
      // The sync writes as the controller: a GitRepository outside converge-system only reaches its own namespace.
      ...(namespace === GITOPS_ADMIN_NAMESPACE ? {} : { confineTo: namespace }),
      signal,
    });
    const revisionChanged = repo.status?.['lastAppliedRevision'] !== source.sha;
    if (result.outcome !== SyncOutcome.Applied) deps.recorder.event(repo, EventType.Warning, result.outcome, result.message);
    else if (revisionChanged || result.pruned.length > 0) deps.recorder.event(repo, EventType.Normal, 'Synced', `${result.message} at ${source.sha.slice(0, 12)}`);
    ctx.logger.info({ revision: source.sha, outcome: result.outcome, applied: result.applied.length, pruned: result.pruned.length, errors: result.errorCount }, 'synced');
    await writeStatus(deps.client, repo, syncedStatus(repo, result, source.sha, now()));
    return { requeueAfterMs: Math.max(1000, Math.round(intervalMs * (0.9 + 0.2 * random()))) };
  };
}
