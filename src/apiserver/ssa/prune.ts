/**
 * Removal of fields an applier stopped applying (SMD's `Updater.prune`). A field is removed iff the
 * applier applied it last time, does not apply it now, and no manager (applier or updater, including
 * the applier's new configuration) owns it or anything below it that keeps it alive.
 */
import type { JsonValue } from '../../../schemas/object.js';
import type { FieldSet } from './fieldset.js';
import type { FieldSchema } from './lists.js';
import { removeItems } from './remove.js';
import { fieldSetFromObject } from './toset.js';

/** Options of {@link pruneDisowned}. */
export interface PruneOptions {
  /** The live object merged with the new configuration. */
  readonly merged: JsonValue;
  /** What the applier owned before this apply; nothing is pruned when empty. */
  readonly lastApplied: FieldSet;
  /** Union of every manager's set after this apply (the applier's new set included). */
  readonly owned: FieldSet;
  readonly schema: FieldSchema;
}

/** `merged` without the fields the applier disowned (see module doc). */
export function pruneDisowned(opts: PruneOptions): JsonValue {
  const { merged, schema } = opts;
  if (opts.lastApplied.isEmpty()) return merged;
  const named = (s: FieldSet): FieldSet => s.ensureNamedFieldsAreMembers(schema);
  const last = named(opts.lastApplied);
  const mergedSet = named(fieldSetFromObject(merged, schema));
  // Remove everything applied last time, then add back what anyone owns...
  let pruned = removeItems(merged, last, schema);
  const keep = named(fieldSetFromObject(pruned, schema)).union(named(opts.owned));
  pruned = removeItems(merged, mergedSet.difference(keep), schema);
  // ...and only really remove what the applier owned last time (unowned fields are left alone).
  const prunedSet = named(fieldSetFromObject(pruned, schema));
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), schema);
}
