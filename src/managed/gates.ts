/**
 * The two dependency gates of the reconciler. Creation waits until the objects a kind depends on are Ready;
 * external deletion waits until the objects that use it are gone. Both only hold back driver calls — they
 * never tear anything down — and both resolve with a modest requeue as a safety net: the controllers also
 * watch the other kind, so a change there re-reconciles at once.
 *
 * Updates do not wait: a change such as halting an instance must not hang on an unrelated disk, and a
 * dependency that goes away after the resource exists is the dependent's problem to report, not a reason to
 * stop reconciling. Orphan, NoDelete and ObserveOnly do not wait on delete: the external resource stays, so
 * its users are not hurt (kube's foreground deletion protects users; here orphaning touches nothing).
 */
import { ManagementPolicy, OperationState } from '../../schemas/common.js';
import { deleting, dependencyNotReady, waitingForDependency } from '../runtime/conditions.js';
import type { ReconcileResult } from '../runtime/request.js';
import { clientLookup, dependencyProblems, describeProblems, describeUsers } from './dependencies.js';
import { flushStatus, setConditions, type Run } from './run.js';

/** Requeue while waiting for a dependency (the watches usually come first). */
export const DEPENDENCY_POLL_MS = 10_000;
/** Requeue while a deletion waits for the objects that use it (the watches usually come first). */
export const DEPENDENTS_POLL_MS = 10_000;

/**
 * True when a create may have happened: the resource was observed (`externalName`) or a create was recorded
 * that did not fail. Only objects for which this is false wait for their dependencies.
 */
export function mayHaveBeenCreated(run: Run): boolean {
  if (typeof run.status['externalName'] === 'string') return true;
  const op = run.status['lastOperation'];
  if (op === null || typeof op !== 'object' || Array.isArray(op)) return false;
  return op['state'] !== OperationState.Failed;
}

/**
 * Before connect, for a live object: resolves with a requeue (conditions written) when the external resource
 * would be created but a dependency is missing or not Ready; undefined when the reconcile may go on.
 */
export async function waitForDependencies(run: Run): Promise<ReconcileResult | undefined> {
  const refs = run.deps.kind.dependenciesOf?.(run.obj) ?? [];
  if (refs.length === 0 || mayHaveBeenCreated(run)) return undefined;
  if ((run.obj.spec?.['managementPolicy'] ?? ManagementPolicy.Full) === ManagementPolicy.ObserveOnly) return undefined;
  const problems = await dependencyProblems(refs, clientLookup(run.deps.client));
  if (problems.length === 0) return undefined;
  const message = describeProblems(problems);
  setConditions(run, waitingForDependency(message), dependencyNotReady(message));
  await flushStatus(run);
  return { requeueAfterMs: DEPENDENCY_POLL_MS };
}

/**
 * Before the external delete: resolves with a requeue (Ready=False `Deleting` naming the users written) while
 * objects that use this one still exist; undefined when the delete may go on.
 */
export async function waitForDependents(run: Run): Promise<ReconcileResult | undefined> {
  const users = (await run.deps.kind.dependentsOf?.(run.obj, clientLookup(run.deps.client))) ?? [];
  if (users.length === 0) return undefined;
  setConditions(run, deleting(describeUsers(users)));
  await flushStatus(run);
  return { requeueAfterMs: DEPENDENTS_POLL_MS };
}
