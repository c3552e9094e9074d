/**
 * The create step. Intent goes to status first (`lastOperation` Pending with the uid-derived external name)
 * so that a crash between the call and the status write leaves a trace; the name is deterministic, so the
 * retried reconcile's observe finds the resource and adopts it instead of creating a duplicate.
 */
import { OperationAction, OperationState } from '../../schemas/common.js';
import type { JsonObject } from '../../schemas/object.js';
import { externalNameOf } from '../providers/types.js';
import { creating } from '../runtime/conditions.js';
import { EventType } from '../runtime/events.js';
import type { Connection } from './connect.js';
import { callExternal, ExternalAction } from './external.js';
import { flushStatus, nowText, setConditions, setStatusField, type Run } from './run.js';

/** Records `action` as in flight and writes status before the external call. */
export async function recordIntent(run: Run, action: OperationAction, handle: string): Promise<JsonObject> {
  const operation: JsonObject = { action, handle, state: OperationState.Pending, startedAt: nowText(run) };
  setStatusField(run, 'lastOperation', operation);
  await flushStatus(run);
  return operation;
}

/** Marks the recorded operation finished (written with the next status flush). */
export function recordOutcome(run: Run, operation: JsonObject, outcome: { handle?: string; error?: unknown }): void {
  const failed = outcome.error !== undefined;
  setStatusField(run, 'lastOperation', {
    ...operation,
    ...(outcome.handle !== undefined ? { handle: outcome.handle } : {}),
    state: failed ? OperationState.Failed : OperationState.Succeeded,
    finishedAt: nowText(run),
    ...(failed ? { message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) } : {}),
  });
}

/** Creates the external resource; see the module comment. Errors propagate after being recorded. */
export async function createExternal(run: Run, conn: Connection): Promise<void> {
  const name = externalNameOf(run.obj, run.deps.kind.prefix);
  setConditions(run, creating(`creating ${name}${conn.simulated ? ' in the simulated cloud' : ''}`));
  const operation = await recordIntent(run, OperationAction.Create, name);
  try {
    const obj = run.obj;
    const result = await callExternal(run, { action: ExternalAction.Create, semaphore: conn.semaphore, externalName: name }, () =>
      conn.client.create(obj, run.signal),
    );
    recordOutcome(run, operation, { handle: result.operation ?? result.externalName });
    setStatusField(run, 'externalName', result.externalName);
    run.deps.recorder.event(run.obj, EventType.Normal, 'Created', `created external resource ${result.externalName}${conn.simulated ? ' (simulated)' : ''}`);
  } catch (err) {
    recordOutcome(run, operation, { error: err });
    run.deps.recorder.event(run.obj, EventType.Warning, 'CreateFailed', `cannot create external resource ${name}: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}
