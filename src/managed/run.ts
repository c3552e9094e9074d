/**
 * The state one reconcile carries between its steps: the object as last read or written, a working copy
 * of its status, and the resolved dependencies. Status is written only when it differs from what is stored.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue, KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../client/types.js';
import { realClock, type Clock } from '../runtime/clock.js';
import { setCondition, type Condition, type ConditionInput } from '../runtime/conditions.js';
import { nopEventRecorder, type EventRecorder } from '../runtime/events.js';
import { rfc3339 } from '../registry/context.js';
import { nopJournal, type Journal } from './journal.js';
import { nopManagedMetrics, type ManagedMetrics } from './metrics.js';
import { ProviderLimits } from './semaphore.js';
import type { ManagedKind, ManagedReconcilerOptions } from './types.js';

/** Resolved dependencies of the reconciler. */
export interface ManagedDeps {
  readonly client: ApiClient;
  readonly kind: ManagedKind;
  readonly recorder: EventRecorder;
  readonly journal: Journal;
  readonly limits: ProviderLimits;
  readonly metrics: ManagedMetrics;
  readonly clock: Clock;
  readonly random: () => number;
}

/** Fills in the defaults of {@link ManagedReconcilerOptions}. */
export function resolveDeps(options: ManagedReconcilerOptions): ManagedDeps {
  return {
    client: options.client,
    kind: options.kind,
    recorder: options.recorder ?? nopEventRecorder,
    journal: options.journal ?? nopJournal,
    limits: options.limits ?? new ProviderLimits(),
    metrics: options.metrics ?? nopManagedMetrics,
    clock: options.clock ?? realClock,
    random: options.random ?? Math.random,
  };
}

/** One reconcile's state; see the module comment. */
export interface Run {
  readonly deps: ManagedDeps;
  readonly signal: AbortSignal;
  obj: KubeObject;
  status: JsonObject;
}

/** A new run for `obj`. */
export function newRun(deps: ManagedDeps, obj: KubeObject, signal: AbortSignal): Run {
  return { deps, signal, obj, status: structuredClone(obj.status ?? {}) };
}

/** Now as RFC 3339 on the run's clock. */
export function nowText(run: Run): string {
  return rfc3339(new Date(run.deps.clock.now()));
}

/** Sets conditions on the working status, stamped with the object's generation. */
export function setConditions(run: Run, ...inputs: ConditionInput[]): void {
  let list = Array.isArray(run.status['conditions']) ? (run.status['conditions'] as unknown as Condition[]) : undefined;
  for (const input of inputs) {
    list = setCondition(list, input, { observedGeneration: run.obj.metadata.generation ?? 0, now: new Date(run.deps.clock.now()) }).conditions;
  }
  if (list !== undefined) run.status['conditions'] = list as unknown as JsonObject[];
}

/** Sets (or with `undefined` removes) one status field. */
export function setStatusField(run: Run, key: string, value: JsonValue | undefined): void {
  if (value === undefined) delete run.status[key];
  else run.status[key] = value;
}

/** Writes the working status when it differs from the stored one; the run then holds the written object. */
export async function flushStatus(run: Run): Promise<void> {
  if (isDeepStrictEqual(run.status, run.obj.status ?? {})) return;
  const written = await run.deps.client.update(run.deps.kind.type, { ...run.obj, status: run.status }, { subresource: 'status' });
  run.obj = written;
  run.status = structuredClone(written.status ?? {});
}

/** A spec field as a string, or undefined. */
export function specString(obj: KubeObject, key: string): string | undefined {
  const value = obj.spec?.[key];
  return typeof value === 'string' ? value : undefined;
}
