/**
 * A GitRepository's status from a sync result: Ready says whether the repository's manifests are what is
 * applied, Synced whether the last sync went through; reasons name the safety rule that stopped a sync.
 */
import type { JsonObject, KubeObject } from '../../schemas/object.js';
import { ConditionStatus, ConditionType } from '../../schemas/common.js';
import { SyncOutcome, type SyncResult } from '../../src/gitops/sync.js';
import { rfc3339 } from '../../src/registry/context.js';
import { conditions, type ConditionInput } from '../../src/runtime/index.js';

/** Condition reasons particular to GitOps. */
export const GitOpsReason = {
  ValidationFailed: 'ValidationFailed',
  EmptyRender: 'EmptyRender',
  ApplyFailed: 'ApplyFailed',
  PruneBudgetExceeded: 'PruneBudgetExceeded',
  PruneFailed: 'PruneFailed',
  FetchFailed: 'FetchFailed',
  Suspended: 'Suspended',
} as const;

const notReady = (reason: string, message: string): ConditionInput => ({ type: ConditionType.Ready, status: ConditionStatus.False, reason, message });
const notSynced = (reason: string, message: string): ConditionInput => ({ type: ConditionType.Synced, status: ConditionStatus.False, reason, message });

/** The conditions for a finished sync of `sha`. */
export function syncConditions(result: SyncResult, sha: string): ConditionInput[] {
  const at = `${result.message} (revision ${sha.slice(0, 12)})`;
  switch (result.outcome) {
    case SyncOutcome.Applied:
      return [conditions.ready(at), conditions.synced()];
    case SyncOutcome.Invalid:
      return [notReady(GitOpsReason.ValidationFailed, at), notSynced(GitOpsReason.ValidationFailed, at)];
    case SyncOutcome.Empty:
      return [notReady(GitOpsReason.EmptyRender, at), conditions.synced()];
    case SyncOutcome.ApplyFailed:
      return [notReady(GitOpsReason.ApplyFailed, at), notSynced(GitOpsReason.ApplyFailed, at)];
    case SyncOutcome.PruneBlocked:
      return [notReady(GitOpsReason.PruneBudgetExceeded, at), notSynced(GitOpsReason.PruneBudgetExceeded, at)];
    case SyncOutcome.PruneFailed:
      return [notReady(GitOpsReason.PruneFailed, at), notSynced(GitOpsReason.PruneFailed, at)];
  }
}

/** Whether the outcome means every rendered object was applied (the revision counts as applied). */
function appliedAll(result: SyncResult): boolean {
  return result.outcome === SyncOutcome.Applied || result.outcome === SyncOutcome.PruneBlocked || result.outcome === SyncOutcome.PruneFailed;
}

/** `repo` with the status of a finished sync of `sha` (conditions stamped with the generation). */
export function syncedStatus(repo: KubeObject, result: SyncResult, sha: string, now: Date): JsonObject {
  const { errors: _old, ...base } = repo.status ?? {};
  const status: JsonObject = {
    ...base,
    observedGeneration: repo.metadata.generation ?? 0,
    lastAttemptedRevision: sha,
    ...(appliedAll(result) ? { lastAppliedRevision: sha } : {}),
    lastSyncTime: rfc3339(now),
    inventory: result.inventory.map((e) => ({ ...e })),
    ...(result.errors.length > 0 ? { errors: result.errors.map((e) => ({ ...e })) } : {}),
  };
  return conditions.withConditions({ ...repo, status }, syncConditions(result, sha), { now }).object.status ?? status;
}

/** `repo` with the status of a sync that could not fetch (nothing else changes: inventory and revisions stay). */
export function fetchFailedStatus(repo: KubeObject, err: unknown, now: Date): JsonObject {
  const message = err instanceof Error ? err.message : String(err);
  const status: JsonObject = { ...(repo.status ?? {}), observedGeneration: repo.metadata.generation ?? 0, lastSyncTime: rfc3339(now) };
  return conditions.withConditions({ ...repo, status }, [notReady(GitOpsReason.FetchFailed, message), conditions.reconcileError(err)], { now }).object.status ?? status;
}

/** `repo` with Synced=False/Suspended (Ready and everything else as they were). */
export function suspendedStatus(repo: KubeObject): JsonObject {
  const status: JsonObject = { ...(repo.status ?? {}), observedGeneration: repo.metadata.generation ?? 0 };
  return conditions.withConditions({ ...repo, status }, [notSynced(GitOpsReason.Suspended, 'spec.suspend is true: nothing is fetched, applied or pruned')]).object.status ?? status;
}
