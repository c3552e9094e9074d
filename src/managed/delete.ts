/**
 * The deletion path. Only `managementPolicy: Full` with `deletionPolicy: Delete` deletes the external
 * resource (NoDelete and ObserveOnly never do, Orphan leaves it); the finalizer is released once the
 * resource is gone or is to be left alone. Before an external delete, objects that still use this one
 * (the kind's `dependentsOf`) hold it back: the finalizer stays until they are gone (see gates.ts).
 */
import { DeletionPolicy, ManagementPolicy, OperationAction } from '../../schemas/common.js';
import { externalNameOf } from '../providers/types.js';
import { deleting } from '../runtime/conditions.js';
import { EventType } from '../runtime/events.js';
import { hasFinalizer, removeFinalizerPatch } from '../runtime/finalizers.js';
import type { ReconcileResult } from '../runtime/request.js';
import { connect } from './connect.js';
import { recordIntent, recordOutcome } from './create.js';
import { callExternal, ExternalAction } from './external.js';
import { waitForDependents } from './gates.js';
import { observeExternal } from './sync.js';
import { flushStatus, setConditions, type Run } from './run.js';
import { MANAGED_FINALIZER } from './types.js';

/** How long to wait before looking again at a resource whose deletion is still in progress. */
export const DELETE_POLL_MS = 1000;

function deletesExternally(run: Run): boolean {
  const spec = run.obj.spec ?? {};
  return (spec['managementPolicy'] ?? ManagementPolicy.Full) === ManagementPolicy.Full && (spec['deletionPolicy'] ?? DeletionPolicy.Delete) === DeletionPolicy.Delete;
}

/**
 * True when no external action was ever taken or adopted: every create records its intent in status before
 * the call, so without `lastOperation` and `externalName` there is nothing to delete. This keeps objects of
 * a missing ProviderConfig or an unavailable driver deletable.
 */
function neverReachedBackend(run: Run): boolean {
  return run.status['lastOperation'] === undefined && run.status['externalName'] === undefined;
}

/** See the module comment. Resolves with a requeue while the external deletion is still in progress. */
export async function handleDeletion(run: Run): Promise<ReconcileResult | void> {
  if (!hasFinalizer(run.obj, MANAGED_FINALIZER)) return;
  if (deletesExternally(run) && !neverReachedBackend(run)) {
    const blocked = await waitForDependents(run);
    if (blocked !== undefined) return blocked;
    const gone = await deleteExternal(run);
    if (!gone) return { requeueAfterMs: DELETE_POLL_MS };
  } else if (!deletesExternally(run)) {
    await run.deps.kind.onLeftInPlace?.(run.obj);
  }
  const patch = removeFinalizerPatch(run.obj, MANAGED_FINALIZER);
  if (patch !== undefined) await run.deps.client.patch(run.deps.kind.type, run.obj.metadata.namespace, run.obj.metadata.name, patch);
}

/** Deletes the external resource if it exists; true once it is gone. */
async function deleteExternal(run: Run): Promise<boolean> {
  const conn = await connect(run);
  const obs = await observeExternal(run, conn);
  if (!obs.exists) return true;
  const name = externalNameOf(run.obj, run.deps.kind.prefix);
  setConditions(run, deleting(`deleting ${name}${conn.simulated ? ' from the simulated cloud' : ''}`));
  const operation = await recordIntent(run, OperationAction.Delete, name);
  try {
    const obj = run.obj;
    await callExternal(run, { action: ExternalAction.Delete, semaphore: conn.semaphore, externalName: name }, () => conn.client.delete(obj, run.signal));
    recordOutcome(run, operation, {});
  } catch (err) {
    recordOutcome(run, operation, { error: err });
    await flushStatus(run).catch(() => undefined);
    throw err;
  }
  run.deps.recorder.event(run.obj, EventType.Normal, 'Deleted', `deleted external resource ${name}`);
  await flushStatus(run);
  return !(await observeExternal(run, conn)).exists;
}
