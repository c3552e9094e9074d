/**
 * Managed-fields bookkeeping for non-apply writes (create, PUT, merge/JSON patch), as kube's field
 * manager does it: the writer's `Update` entry gains ownership of every field the write added or
 * changed, taking it from other managers, so that a later apply conflicts with it.
 */
import type { KubeObject, ManagedFieldsEntry } from '../../../schemas/object.js';
import { ConvergeError } from '../../errors/index.js';
import { fieldSchemaFor } from './lists.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  type ManagerEntry,
  type Managers,
} from './managers.js';
import { viewOf, type Subresource } from './scope.js';
import { recordChanges } from './updater.js';

/** The manager that existing fields are attributed to when an untracked object is first applied. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

/** Options of {@link recordUpdate}. */
export interface RecordUpdateOptions {
  /** The stored object; undefined for a create. */
  readonly live: KubeObject | undefined;
  /** The object about to be written (after the patch, before defaulting of server-owned fields). */
  readonly updated: KubeObject;
  /** Field manager of the write (see `fieldManagerFor`). */
  readonly manager: string;
  readonly now: Date;
  readonly subresource?: Subresource;
}

/**
 * The `metadata.managedFields` to store with `updated` (empty = store none). Mirrors kube:
 * - a main-resource write may rewrite managedFields itself: a non-empty valid list in `updated` is
 *   the starting point, `[]` or `[{}]` resets tracking; otherwise (and always for `status`) the live
 *   object's entries are used;
 * - an object that has no managedFields is only tracked from its creation: updating an untracked
 *   object records nothing (the first apply attributes its fields to `before-first-apply`);
 * - more than 10 Update entries are folded into `ancient-changes`.
 */
export function recordUpdate(opts: RecordUpdateOptions): ManagedFieldsEntry[] {
  const { live, updated, subresource } = opts;
  const base = startingManagers(live, updated, subresource);
  if (base.size === 0 && live !== undefined) return [];
  const managers = recordChanges({
    managers: base,
    before: viewOf(live, subresource, updated),
    after: viewOf(updated, subresource),
    writer: { manager: opts.manager, apiVersion: updated.apiVersion, subresource },
    now: opts.now,
    schema: fieldSchemaFor(updated.kind),
  });
  return encodeManagedFields(capUpdateManagers(managers));
}

/** Options of {@link attributeExistingFields}. */
export interface AttributeOptions {
  readonly live: KubeObject;
  readonly now: Date;
  readonly subresource?: Subresource;
}

/**
 * Managers for an untracked object about to be applied: everything it holds, owned by an Update
 * entry `before-first-apply` (kube's skipNonAppliedManager), so that the apply conflicts with values
 * it did not set and never prunes them.
 */
export function attributeExistingFields(opts: AttributeOptions): Map<string, ManagerEntry> {
  const { live, subresource } = opts;
  return recordChanges({
    managers: new Map(),
    before: viewOf(undefined, subresource, live),
    after: viewOf(live, subresource),
    writer: { manager: BEFORE_FIRST_APPLY, apiVersion: live.apiVersion, subresource },
    now: opts.now,
    schema: fieldSchemaFor(live.kind),
  });
}

/** kube's `decodeLiveOrNew`. */
function startingManagers(live: KubeObject | undefined, updated: KubeObject, subresource: Subresource): Managers {
  const fromLive = (): Managers => decodeOrEmpty(live?.metadata.managedFields);
  if (subresource !== undefined) return fromLive();
  const requested: unknown = updated.metadata.managedFields;
  if (Array.isArray(requested) && isReset(requested)) return new Map();
  const own = decodeOrEmpty(updated.metadata.managedFields);
  return own.size > 0 ? own : fromLive();
}

function isReset(list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  const only: unknown = list[0];
  return list.length === 1 && typeof only === 'object' && only !== null && Object.keys(only).length === 0;
}

function decodeOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined): Managers {
  try {
    return decodeManagedFields(entries);
  } catch (err) {
    // Undecodable managedFields are ignored, never fatal to the write, as in kube.
    if (err instanceof ConvergeError) return new Map();
    throw err;
  }
}
