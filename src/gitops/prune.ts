/**
 * Pruning: deleting what a source applied before and no longer renders. Only inventory entries are
 * candidates, only objects that still carry the source's labels are deleted (someone else may have taken one
 * over), and a deletion budget stops a sync from deleting a large share of the inventory at once — the usual
 * cause is a mistake (a wrong path, a half-merged branch), not an intent.
 */
import type { InventoryEntry, SyncError } from '../../schemas/gitrepository.js';
import { resourceTypeForObject, servedTypes } from '../../schemas/index.js';
import type { ApiClient } from '../client/types.js';
import { isNotFound } from '../errors/index.js';
import { errorText } from './apply.js';
import { entryKey, entryRef, isOwnedBy, type Owner } from './owner.js';

/** What {@link planPrune} decided. */
export type PrunePlan =
  | { readonly blocked: false; readonly candidates: InventoryEntry[] }
  | { readonly blocked: true; readonly candidates: InventoryEntry[]; readonly message: string };

/** Options of {@link planPrune}. */
export interface PrunePlanOptions {
  /** What the source applied before. */
  readonly previous: readonly InventoryEntry[];
  /** What it renders now. */
  readonly current: readonly InventoryEntry[];
  /** Largest share of `previous` (percent, 0–100) that may go in one sync. */
  readonly maxPrunePercent: number;
}

/**
 * The entries of `previous` missing from `current`, and whether deleting them would exceed the budget:
 * `candidates / previous > maxPrunePercent / 100` blocks all of them (100 never blocks).
 */
export function planPrune(options: PrunePlanOptions): PrunePlan {
  const keep = new Set(options.current.map(entryKey));
  const candidates = options.previous.filter((e) => !keep.has(entryKey(e)));
  const total = options.previous.length;
  if (candidates.length === 0 || options.maxPrunePercent >= 100 || candidates.length * 100 <= options.maxPrunePercent * total) {
    return { blocked: false, candidates };
  }
  const percent = Math.round((candidates.length * 100) / total);
  return {
    blocked: true,
    candidates,
    message:
      `prune of ${candidates.length} of ${total} objects (${percent}%) exceeds maxPrunePercent ${options.maxPrunePercent}%; nothing was pruned ` +
      `(${candidates.slice(0, 5).map(entryRef).join(', ')}${candidates.length > 5 ? ', …' : ''}). Raise spec.maxPrunePercent or delete them by hand`,
  };
}

/** Result of {@link pruneObjects}. */
export interface PruneResult {
  readonly pruned: InventoryEntry[];
  /** Entries left alone because another source or a person now owns them. */
  readonly released: InventoryEntry[];
  /** Entries whose delete failed (they stay in the inventory). */
  readonly failed: InventoryEntry[];
  readonly errors: SyncError[];
}

/** Deletes each of `entries` that still carries `owner`'s labels (see the module comment). */
export async function pruneObjects(client: ApiClient, entries: readonly InventoryEntry[], owner: Owner): Promise<PruneResult> {
  const result: PruneResult = { pruned: [], released: [], failed: [], errors: [] };
  for (const e of entries) {
    const type = resourceTypeForObject(e.apiVersion, e.kind, servedTypes);
    if (type === undefined) {
      result.released.push(e);
      continue;
    }
    try {
      const live = await client.get(type, e.namespace, e.name);
      if (!isOwnedBy(live, owner)) {
        result.released.push(e);
        continue;
      }
      await client.delete(type, e.namespace, e.name, { ...(live.metadata.uid ? { preconditions: { uid: live.metadata.uid } } : {}) });
      result.pruned.push(e);
    } catch (err) {
      if (isNotFound(err)) {
        result.pruned.push(e);
        continue;
      }
      result.failed.push(e);
      result.errors.push({ file: '', line: 0, message: `pruning ${entryRef(e)}: ${errorText(err)}` });
    }
  }
  return result;
}
