/**
 * The ownership bookkeeping of structured-merge-diff's `merge.Updater`, on managed views:
 * - a write takes the fields it added or modified away from every other manager (an apply without
 *   force reports them as conflicts instead), and fields it removed are dropped from every set;
 * - an Update records what it changed in its own entry (kube's `managedFieldsUpdater`, which stamps the
 *   time only when the write changed something);
 * - an Apply records its whole configuration, after merging it and pruning what it stopped applying.
 * Stripped metadata (name, namespace, ...) never ends up in a set.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { compareObjects, type Comparison } from './compare.js';
import { FieldSet } from './fieldset.js';
import { jsonEqual } from './json.js';
import type { FieldSchema } from './lists.js';
import { formatTime, managerIdentity, Operation, type ManagerEntry } from './managers.js';
import { mergeApplied } from './merge.js';
import type { Path } from './path.js';
import { pruneDisowned } from './prune.js';
import { STRIPPED_FIELDS } from './scope.js';
import { fieldSetFromObject } from './toset.js';

/** Who writes: the parts of a manager identity besides the operation. */
export interface Writer {
  readonly manager: string;
  readonly apiVersion: string;
  readonly subresource?: string | undefined;
}

/** A field another manager owns that an apply would change. */
export interface Conflict {
  readonly owner: ManagerEntry;
  readonly path: Path;
}

interface Reconciled {
  readonly conflicts: readonly Conflict[];
  readonly comparison: Comparison;
}

/**
 * SMD's `update()`: compares `before` and `after`, collects other managers' conflicting fields, and
 * (when forced or conflict-free) removes changed and removed fields from their sets. Mutates `managers`.
 */
function reconcileOthers(
  managers: Map<string, ManagerEntry>,
  self: string,
  before: JsonValue,
  after: JsonValue,
  force: boolean,
  schema: FieldSchema,
): Reconciled {
  const comparison = compareObjects(before, after, schema);
  const changed = comparison.modified.union(comparison.added);
  const conflicts: Conflict[] = [];
  for (const [id, entry] of managers) {
    if (id === self) continue;
    for (const path of entry.set.intersection(changed).paths()) conflicts.push({ owner: entry, path });
  }
  if (!force && conflicts.length > 0) return { conflicts, comparison };
  for (const [id, entry] of [...managers]) {
    if (id === self) continue;
    const set = entry.set.difference(changed).difference(comparison.removed);
    if (set.isEmpty()) managers.delete(id);
    else managers.set(id, { ...entry, set });
  }
  return { conflicts: [], comparison };
}

/** Options of {@link recordChanges}. */
export interface RecordOptions {
  readonly managers: ReadonlyMap<string, ManagerEntry>;
  readonly before: JsonObject;
  readonly after: JsonObject;
  readonly writer: Writer;
  readonly now: Date;
  readonly schema: FieldSchema;
}

/** An Update: the writer's entry gains the fields it changed; nothing else changes hands. */
export function recordChanges(opts: RecordOptions): Map<string, ManagerEntry> {
  const managers = new Map(opts.managers);
  const id = managerIdentity({ ...opts.writer, operation: Operation.Update });
  // kube runs the update as a temporary manager so that only this write's changes count as "new"
  // (and the writer's own previous entry loses fields this write removed).
  const { comparison } = reconcileOthers(managers, '', opts.before, opts.after, true, opts.schema);
  const changed = comparison.modified.union(comparison.added).difference(comparison.removed).difference(STRIPPED_FIELDS);
  if (changed.isEmpty()) return managers;
  const previous = managers.get(id);
  managers.set(id, {
    manager: opts.writer.manager,
    operation: Operation.Update,
    apiVersion: opts.writer.apiVersion,
    subresource: opts.writer.subresource,
    time: formatTime(opts.now),
    set: previous === undefined ? changed : changed.union(previous.set),
  });
  return managers;
}

/** Options of {@link applyConfiguration}. */
export interface ApplyViewOptions {
  readonly managers: ReadonlyMap<string, ManagerEntry>;
  readonly live: JsonObject;
  readonly config: JsonObject;
  readonly writer: Writer;
  readonly force: boolean;
  readonly now: Date;
  readonly schema: FieldSchema;
}

/** Outcome of {@link applyConfiguration}: conflicts, or the new view and managers. */
export type ApplyViewResult =
  | { readonly conflicts: readonly Conflict[] }
  | { readonly conflicts: readonly []; readonly view: JsonValue; readonly managers: Map<string, ManagerEntry> };

/**
 * An Apply on views: merge, own exactly the configuration's fields, prune what the writer stopped
 * applying, then reconcile other managers. The writer's time moves only when the view changed.
 */
export function applyConfiguration(opts: ApplyViewOptions): ApplyViewResult {
  const { schema } = opts;
  const managers = new Map(opts.managers);
  const id = managerIdentity({ ...opts.writer, operation: Operation.Apply });
  const previous = managers.get(id);
  const merged = mergeApplied(opts.live, opts.config, schema);
  const set = fieldSetFromObject(opts.config, schema);
  const entry: ManagerEntry = {
    manager: opts.writer.manager,
    operation: Operation.Apply,
    apiVersion: opts.writer.apiVersion,
    subresource: opts.writer.subresource,
    time: previous?.time,
    set,
  };
  managers.set(id, entry);
  let owned = FieldSet.empty();
  for (const e of managers.values()) owned = owned.union(e.set);
  const view = pruneDisowned({ merged, lastApplied: previous?.set ?? FieldSet.empty(), owned, schema });
  const { conflicts } = reconcileOthers(managers, id, opts.live, view, opts.force, schema);
  if (conflicts.length > 0) return { conflicts };
  const stripped = set.difference(STRIPPED_FIELDS);
  const changed = !jsonEqual(opts.live, view);
  if (stripped.isEmpty()) managers.delete(id);
  else managers.set(id, { ...entry, set: stripped, time: changed || entry.time === undefined ? formatTime(opts.now) : entry.time });
  return { conflicts: [], view, managers };
}
