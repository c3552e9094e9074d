/**
 * One sync of a directory (a git checkout, or a watched working directory): render → validate everything
 * (schemas, then a server-side dry run) → apply → prune. The safety rules live here, once, for the controller
 * and `converge sync` alike:
 * - any invalid manifest or refused path: nothing is applied and nothing is pruned;
 * - a render with zero objects never prunes (an emptied tree is far more often a mistake than an intent);
 * - a prune beyond the deletion budget prunes nothing;
 * - when an apply fails, nothing is pruned.
 */
import { MAX_INVENTORY, MAX_SYNC_ERRORS, type InventoryEntry, type SyncError } from '../../schemas/gitrepository.js';
import { namespaceType, resourceTypes } from '../../schemas/index.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import type { ResolvedManifest } from '../manifests/resolve.js';
import { applyObjects } from './apply.js';
import { entryKey, entryRef, inventoryEntry, type Owner } from './owner.js';
import { planPrune, pruneObjects } from './prune.js';
import { renderTree } from './render.js';

/** How a sync ended. */
export const SyncOutcome = {
  /** Everything applied (and pruned, when asked). */
  Applied: 'Applied',
  /** A manifest or path was refused; nothing applied or pruned. */
  Invalid: 'Invalid',
  /** Zero objects rendered; nothing applied or pruned. */
  Empty: 'Empty',
  /** The server refused some objects while applying; nothing pruned. */
  ApplyFailed: 'ApplyFailed',
  /** Applied, but the prune exceeded the deletion budget and was skipped. */
  PruneBlocked: 'PruneBlocked',
  /** Applied, but some prunes failed. */
  PruneFailed: 'PruneFailed',
} as const;
export type SyncOutcome = (typeof SyncOutcome)[keyof typeof SyncOutcome];

/** GitRepositories in this namespace may sync cluster-scoped objects and into any namespace (like Flux's flux-system). */
export const GITOPS_ADMIN_NAMESPACE = 'converge-system';

/**
 * What a sync may apply by default: the Converge kinds, and Namespaces (cluster-scoped, so only a GitRepository in
 * the admin namespace may sync them; they are applied before their content and pruning one deletes its content).
 */
export const GITOPS_TYPES: readonly ResourceType[] = [...resourceTypes, namespaceType];

/** Options of {@link syncTree}. */
export interface SyncTreeOptions {
  readonly client: ApiClient;
  /** The directory nothing may be read outside of (the checkout root). */
  readonly root: string;
  /** Directory inside `root` to render. */
  readonly path: string;
  readonly owner: Owner;
  /** Namespace of namespaced objects that name none. */
  readonly defaultNamespace: string;
  /** Inventory of the previous sync (what prune may delete). */
  readonly previous: readonly InventoryEntry[];
  readonly prune: boolean;
  /** Deletion budget in percent of `previous`; 100 disables it. */
  readonly maxPrunePercent: number;
  /** Kinds that may appear; default every Converge kind and core v1 Namespace ({@link GITOPS_TYPES}). */
  readonly types?: readonly ResourceType[];
  /** Field manager; default `converge-gitops`. */
  readonly fieldManager?: string;
  /**
   * Tenancy: when set, every object must be namespaced and in this namespace; anything else is an invalid
   * manifest (nothing applied). The sync runs as the controller, so without it a user allowed to write a
   * GitRepository in one namespace could have objects written anywhere.
   */
  readonly confineTo?: string;
  readonly signal?: AbortSignal;
}

/** What a sync did. `inventory` is what the next sync's `previous` must be. */
export interface SyncResult {
  readonly outcome: SyncOutcome;
  /** One line saying what happened (for a condition message or a CLI line). */
  readonly message: string;
  readonly applied: InventoryEntry[];
  readonly pruned: InventoryEntry[];
  readonly inventory: InventoryEntry[];
  /** At most {@link MAX_SYNC_ERRORS}, each with file and line. */
  readonly errors: SyncError[];
  /** How many errors there were in all. */
  readonly errorCount: number;
}

const byKey = (a: InventoryEntry, b: InventoryEntry) => (entryKey(a) < entryKey(b) ? -1 : entryKey(a) > entryKey(b) ? 1 : 0);

function union(...lists: (readonly InventoryEntry[])[]): InventoryEntry[] {
  const map = new Map<string, InventoryEntry>();
  for (const list of lists) for (const e of list) map.set(entryKey(e), e);
  return [...map.values()].sort(byKey);
}

function errorSummary(errors: readonly SyncError[]): string {
  const first = errors[0];
  if (first === undefined) return '';
  const where = first.file === '' ? '' : `${first.file}${first.line > 0 ? `:${first.line}` : ''}: `;
  return `${where}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length === 2 ? '' : 's'})` : ''}`;
}

function result(fields: Omit<SyncResult, 'errors' | 'errorCount'> & { readonly errors?: readonly SyncError[] }): SyncResult {
  const errors = fields.errors ?? [];
  return { ...fields, errors: errors.slice(0, MAX_SYNC_ERRORS), errorCount: errors.length };
}

/** The objects of a confined sync that are cluster-scoped or in another namespace, as manifest errors. */
function outsideNamespace(objects: readonly ResolvedManifest[], namespace: string): SyncError[] {
  return objects.flatMap((m): SyncError[] => {
    const label = `${m.type.kind}/${m.object.metadata.name}`;
    if (!m.type.namespaced) {
      return [{ file: m.source, line: m.line, message: `${label}: cluster-scoped objects can only be synced by a GitRepository in namespace ${GITOPS_ADMIN_NAMESPACE}` }];
    }
    if (m.object.metadata.namespace !== namespace) {
      return [{ file: m.source, line: m.line, message: `${label}: namespace ${String(m.object.metadata.namespace)} is outside this GitRepository's namespace ${namespace} (only a GitRepository in ${GITOPS_ADMIN_NAMESPACE} syncs into other namespaces)` }];
    }
    return [];
  });
}

/** Runs one sync; see the module comment. Throws only for failures of the directory itself (unreadable). */
export async function syncTree(options: SyncTreeOptions): Promise<SyncResult> {
  const previous = [...options.previous].sort(byKey);
  const rendered = await renderTree({ root: options.root, path: options.path, defaultNamespace: options.defaultNamespace, types: options.types ?? GITOPS_TYPES });
  const unchanged = { applied: [], pruned: [], inventory: previous };
  if (options.confineTo !== undefined) rendered.errors.push(...outsideNamespace(rendered.objects, options.confineTo));
  if (rendered.errors.length === 0 && rendered.objects.length > MAX_INVENTORY) {
    rendered.errors.push({ file: options.path, line: 0, message: `${rendered.objects.length} objects rendered; at most ${MAX_INVENTORY} are supported per source` });
  }
  if (rendered.errors.length > 0) {
    return result({ outcome: SyncOutcome.Invalid, message: `invalid manifests, nothing applied or pruned: ${errorSummary(rendered.errors)}`, errors: rendered.errors, ...unchanged });
  }
  if (rendered.objects.length === 0) {
    return result({
      outcome: SyncOutcome.Empty,
      message: `no objects found under ${options.path} (${rendered.files.length} files); nothing applied, and nothing pruned because an empty render never prunes`,
      ...unchanged,
    });
  }
  const common = { client: options.client, objects: rendered.objects, owner: options.owner, ...(options.fieldManager ? { fieldManager: options.fieldManager } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const dry = await applyObjects({ ...common, dryRun: true });
  if (dry.errors.length > 0) {
    return result({ outcome: SyncOutcome.Invalid, message: `the server refused manifests, nothing applied or pruned: ${errorSummary(dry.errors)}`, errors: dry.errors, ...unchanged });
  }
  const real = await applyObjects({ ...common, dryRun: false });
  const current = rendered.objects.map((m) => inventoryEntry(m.type, m.object)).sort(byKey);
  const applied = real.applied.sort(byKey);
  if (real.errors.length > 0) {
    return result({
      outcome: SyncOutcome.ApplyFailed,
      message: `applied ${applied.length} of ${current.length} objects, nothing pruned: ${errorSummary(real.errors)}`,
      errors: real.errors,
      applied,
      pruned: [],
      inventory: union(previous, applied),
    });
  }
  if (!options.prune) return result({ outcome: SyncOutcome.Applied, message: `applied ${applied.length} objects`, applied, pruned: [], inventory: current });
  const plan = planPrune({ previous, current, maxPrunePercent: options.maxPrunePercent });
  if (plan.blocked) {
    return result({ outcome: SyncOutcome.PruneBlocked, message: `applied ${applied.length} objects; ${plan.message}`, applied, pruned: [], inventory: union(previous, current) });
  }
  const pruned = await pruneObjects(options.client, plan.candidates, options.owner);
  const prunedText = pruned.pruned.length > 0 ? `, pruned ${pruned.pruned.map(entryRef).join(', ')}` : '';
  if (pruned.errors.length > 0) {
    return result({
      outcome: SyncOutcome.PruneFailed,
      message: `applied ${applied.length} objects${prunedText}; ${errorSummary(pruned.errors)}`,
      errors: pruned.errors,
      applied,
      pruned: pruned.pruned,
      inventory: union(current, pruned.failed),
    });
  }
  return result({ outcome: SyncOutcome.Applied, message: `applied ${applied.length} objects${prunedText}`, applied, pruned: pruned.pruned, inventory: current });
}
