/**
 * Client-side detection of no-op server-side applies, so `converge apply` can skip the PATCH round trip for
 * objects the server would not change. Every judgement reuses the API server's own apply engine (field sets,
 * list merge keys, merge, managedFields encoding); whenever anything is uncertain the answer is "not a no-op"
 * and the caller sends the PATCH as before — skipping an object that needed a change would be a bug, sending a
 * PATCH that changes nothing only costs time.
 */
import type { KubeObject } from '../../schemas/object.js';
import { serverSideApply } from '../apiserver/ssa/apply.js';
import { FieldSet } from '../apiserver/ssa/fieldset.js';
import { fieldSchemaFor } from '../apiserver/ssa/lists.js';
import { MANAGED_METADATA, STRIPPED_FIELDS, viewOf } from '../apiserver/ssa/scope.js';
import { fieldSetFromObject } from '../apiserver/ssa/toset.js';

/** Options of {@link isNoOpApply}. */
export interface NoOpApplyOptions {
  /** The object as the server stores it (from a LIST), or undefined when it does not exist. */
  readonly live: KubeObject | undefined;
  /** The configuration exactly as it would be sent as the apply body. */
  readonly manifest: KubeObject;
  /** The `fieldManager` the apply would use. */
  readonly manager: string;
}

/**
 * Metadata an apply body may carry and still be judged locally. Anything else (a resourceVersion precondition,
 * managedFields, which the server rejects, generateName, uid...) has effects decided by the server alone.
 */
const JUDGEABLE_METADATA: ReadonlySet<string> = new Set(['name', 'namespace', ...MANAGED_METADATA]);

/**
 * True only when a non-forced server-side apply of `manifest` by `manager` onto `live` would leave the object
 * exactly as it is (no write, no managedFields change):
 * 1. `live` has one Apply entry of `manager` on the main resource, in the manifest's apiVersion, whose fieldsV1
 *    equals the manifest's field set (computed by the server's fieldset builder, stripped metadata removed) —
 *    so the apply neither takes nor gives up a field, and no other manager took one over; and
 * 2. every manifest value equals the live value at its path, fields the manifest does not name (server
 *    defaults, other managers' fields) not mattering. This is decided by running the server's apply engine
 *    here on the same inputs — its merge (associative lists by key, sets by value), pruning and managedFields
 *    encoding — and requiring that it changes nothing, so the judgement cannot drift from the server's.
 * Never throws: a manifest the engine rejects (duplicate list keys, bad list items) is "not a no-op", so the
 * server reports the error as it does today.
 */
export function isNoOpApply(opts: NoOpApplyOptions): boolean {
  const { live, manager } = opts;
  if (live === undefined) return false;
  // The wire form: what JSON.stringify sends is what the server judges (YAML dates become strings, undefined goes).
  const applied = JSON.parse(JSON.stringify(opts.manifest)) as KubeObject;
  if (applied.apiVersion !== live.apiVersion || applied.kind !== live.kind) return false;
  if (applied.metadata.name !== live.metadata.name || (applied.metadata.namespace ?? undefined) !== (live.metadata.namespace ?? undefined)) return false;
  if (Object.keys(applied.metadata).some((k) => !JUDGEABLE_METADATA.has(k))) return false;
  try {
    // Condition 1 first: it is cheap and rules out most changed manifests before the full merge.
    return ownsExactly(live, applied, manager) && changesNothing(live, applied, manager);
  } catch {
    // The engine rejected the manifest or the live managedFields: let the server decide and report.
    return false;
  }
}

/** Condition 1: `manager`'s Apply entry owns exactly the manifest's fields. */
function ownsExactly(live: KubeObject, applied: KubeObject, manager: string): boolean {
  const entries = (live.metadata.managedFields ?? []).filter((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const [entry, ...more] = entries;
  if (entry === undefined || more.length > 0) return false;
  if (entry.apiVersion !== applied.apiVersion || entry.fieldsType !== 'FieldsV1') return false;
  const owned = FieldSet.fromFieldsV1(entry.fieldsV1);
  const wanted = fieldSetFromObject(viewOf(applied, undefined), fieldSchemaFor(applied.kind)).difference(STRIPPED_FIELDS);
  return !wanted.isEmpty() && owned.equals(wanted);
}

/** Condition 2: the server's engine merges the manifest into `live` and finds nothing to write. */
function changesNothing(live: KubeObject, applied: KubeObject, manager: string): boolean {
  return !serverSideApply({ live, applied, manager, force: false, now: new Date() }).changed;
}
