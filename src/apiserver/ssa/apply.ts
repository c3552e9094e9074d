/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`), as kube-apiserver's field manager
 * performs it: merge the applied configuration into the live object, record that the applier owns
 * exactly the fields of its configuration, remove fields it stopped applying (unless someone else owns
 * them), and refuse with a 409 to change fields other managers own, unless forced.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { BadRequestError, NotFoundError } from '../../errors/index.js';
import { conflictError } from './conflict.js';
import { jsonEqual, stripNulls, toJson } from './json.js';
import { allowedConflictsFromLastApplied, KUBECTL_MANAGER, syncLastApplied } from './lastapplied.js';
import { fieldSchemaFor } from './lists.js';
import { decodeManagedFields, encodeManagedFields, type ManagerEntry } from './managers.js';
import { viewOf, withView, type Subresource } from './scope.js';
import { attributeExistingFields } from './update.js';
import { applyConfiguration, type ApplyViewResult } from './updater.js';

/** Options of {@link serverSideApply}. */
export interface ApplyOptions {
  /** The stored object, or undefined when the apply creates it. */
  readonly live: KubeObject | undefined;
  /** The configuration as the client sent it (parsed YAML), with `metadata.managedFields` unset. */
  readonly applied: KubeObject;
  /** The `fieldManager` query parameter (see `fieldManagerFor`). */
  readonly manager: string;
  /** `?force=true`: take conflicting fields from their owners instead of failing. */
  readonly force: boolean;
  readonly now: Date;
  /** `status` for `PATCH .../status`: only `status` is applied; otherwise `status` is ignored. */
  readonly subresource?: Subresource;
}

/** Outcome of {@link serverSideApply}. */
export interface ApplyResult {
  /**
   * The object to validate and store (server-owned metadata as in `live`; absent for a create). When
   * `changed` is false this is `live` itself.
   */
  readonly object: KubeObject;
  /** False when the apply changes nothing, managedFields included: the caller writes nothing. */
  readonly changed: boolean;
}

/**
 * Applies `applied` as `manager`. Throws `ConflictError` (409, one `FieldManagerConflict` cause per
 * field) when another manager owns a field this apply would change and `force` is false;
 * `BadRequestError` for a configuration with managedFields, of another kind/apiVersion than `live`,
 * or with unidentifiable list items; `NotFoundError` for a status apply to a missing object.
 */
export function serverSideApply(opts: ApplyOptions): ApplyResult {
  const { live, applied, subresource } = opts;
  checkConfiguration(live, applied);
  if (live === undefined && subresource === 'status') {
    throw new NotFoundError(`${applied.kind} "${applied.metadata.name}" not found`, { kind: applied.kind, name: applied.metadata.name });
  }
  const schema = fieldSchemaFor(applied.kind);
  const liveView = viewOf(live, subresource, applied);
  let managers: Map<string, ManagerEntry> = decodeManagedFields(live?.metadata.managedFields);
  if (live !== undefined && managers.size === 0) managers = attributeExistingFields({ live, now: opts.now, subresource });
  const run = (force: boolean): ApplyViewResult =>
    applyConfiguration({
      managers,
      live: liveView,
      config: viewOf(applied, subresource),
      writer: { manager: opts.manager, apiVersion: applied.apiVersion, subresource },
      force,
      now: opts.now,
      schema,
    });
  let outcome = run(opts.force);
  if (outcome.conflicts.length > 0 && live !== undefined && opts.manager === KUBECTL_MANAGER) {
    const allowed = allowedConflictsFromLastApplied(live, liveView, subresource, schema);
    if (allowed !== undefined) {
      const remaining = outcome.conflicts.filter((c) => !allowed.has(c.path));
      outcome = remaining.length === 0 ? run(true) : { conflicts: remaining };
    }
  }
  if (!('view' in outcome)) throw conflictError(outcome.conflicts);
  const base: KubeObject = live ?? { apiVersion: applied.apiVersion, kind: applied.kind, metadata: newMetadata(applied) };
  let object = withView(base, stripNulls(outcome.view), subresource);
  if (opts.manager === KUBECTL_MANAGER) object = syncLastApplied(object, applied);
  const managedFields = encodeManagedFields(outcome.managers);
  const { managedFields: _old, ...metadata } = object.metadata;
  object = { ...object, metadata: managedFields.length > 0 ? { ...metadata, managedFields } : metadata };
  if (live !== undefined && jsonEqual(toJson(object), toJson(live))) return { object: live, changed: false };
  return { object, changed: true };
}

function checkConfiguration(live: KubeObject | undefined, applied: KubeObject): void {
  const managedFields: unknown = applied.metadata.managedFields;
  if (managedFields !== undefined && managedFields !== null) throw new BadRequestError('metadata.managedFields must be nil');
  if (live !== undefined && (live.apiVersion !== applied.apiVersion || live.kind !== applied.kind)) {
    const slash = applied.apiVersion.indexOf('/');
    const gv = slash < 0 ? `/${applied.apiVersion}` : applied.apiVersion;
    throw new BadRequestError(`invalid object type: ${gv}, Kind=${applied.kind}`);
  }
}

/** Metadata of an object an apply creates: its identity only; the rest comes from the merge. */
function newMetadata(applied: KubeObject): KubeObject['metadata'] {
  const { name, namespace } = applied.metadata;
  return namespace === undefined ? { name } : { name, namespace };
}
