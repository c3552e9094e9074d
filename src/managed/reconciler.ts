/**
 * The generic managed-resource reconciler (DESIGN §6): fetch → paused? → deletion path → ensure finalizer →
 * dependencies Ready? (only before the first create; gates.ts) → connect → observe → create / update / drift →
 * write status. Each step is a small named function; this file only sequences them and turns failures into the
 * Synced condition.
 */
import type { KubeObject } from '../../schemas/object.js';
import { isConflict, isNotFound } from '../errors/index.js';
import { reconcileError, synced } from '../runtime/conditions.js';
import { addFinalizerPatch, isDeleting } from '../runtime/finalizers.js';
import type { Reconciler, ReconcileResult, Request } from '../runtime/request.js';
import { connect } from './connect.js';
import { handleDeletion } from './delete.js';
import { waitForDependencies } from './gates.js';
import { pollDelayMs } from './poll.js';
import { flushStatus, newRun, resolveDeps, setConditions, setStatusField, type ManagedDeps, type Run } from './run.js';
import { syncExternal } from './sync.js';
import { MANAGED_FINALIZER, PAUSED_ANNOTATION, type ManagedReconcilerOptions } from './types.js';

/** The object, or undefined when it is gone (nothing to do). */
async function fetchObject(deps: ManagedDeps, request: Request): Promise<KubeObject | undefined> {
  try {
    return await deps.client.get(deps.kind.type, request.namespace, request.name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** True while the object carries `converge.io/paused: "true"`. */
export function isPaused(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[PAUSED_ANNOTATION] === 'true';
}

async function ensureFinalizer(run: Run): Promise<void> {
  const patch = addFinalizerPatch(run.obj, MANAGED_FINALIZER);
  if (patch === undefined) return;
  run.obj = await run.deps.client.patch(run.deps.kind.type, run.obj.metadata.namespace, run.obj.metadata.name, patch);
}

/** Records the failure in Synced (best effort: a conflict or a second failure must not hide the first). */
async function reportFailure(run: Run, err: unknown): Promise<void> {
  setConditions(run, reconcileError(err));
  try {
    await flushStatus(run);
  } catch (writeErr) {
    if (!isConflict(writeErr) && !isNotFound(writeErr)) throw writeErr;
  }
}

async function reconcileLive(run: Run): Promise<ReconcileResult> {
  await ensureFinalizer(run);
  const waiting = await waitForDependencies(run);
  if (waiting !== undefined) return waiting;
  const conn = await connect(run);
  await syncExternal(run, conn);
  setStatusField(run, 'observedGeneration', run.obj.metadata.generation ?? 0);
  setConditions(run, synced());
  await flushStatus(run);
  return { requeueAfterMs: pollDelayMs(run.obj, run.deps.random) };
}

/** Builds the reconciler of one managed kind; see the module comment. */
export function createManagedReconciler(options: ManagedReconcilerOptions): Reconciler {
  const deps = resolveDeps(options);
  return async (request, signal) => {
    const obj = await fetchObject(deps, request);
    if (obj === undefined || isPaused(obj)) return;
    const run = newRun(deps, obj, signal);
    try {
      return isDeleting(obj) ? await handleDeletion(run) : await reconcileLive(run);
    } catch (err) {
      if (!isConflict(err) && !signal.aborted) await reportFailure(run, err);
      throw err;
    }
  };
}
