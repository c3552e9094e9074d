/**
 * Status conditions, built only through constructors (crossplane-runtime's style) and set with
 * {@link setCondition}: setting a condition that did not change is a no-op (no write, no event storm),
 * `lastTransitionTime` moves only when the status flips, and every condition carries the generation it was
 * computed from.
 */
import type { JsonObject, KubeObject } from '../../schemas/object.js';
import { ConditionStatus, ConditionType } from '../../schemas/common.js';
import { rfc3339 } from '../registry/context.js';

/** One condition, as stored in `status.conditions` (Kubernetes `metav1.Condition`). */
export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  /** CamelCase reason, e.g. `Available`, `ReconcileError`. */
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
  readonly observedGeneration?: number;
}

/** A condition as the constructors build it: the time and generation are stamped by {@link setCondition}. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** Longest message the schema accepts. */
const MAX_MESSAGE = 32768;

function input(type: ConditionType, status: ConditionStatus, reason: string, message?: string): ConditionInput {
  return message === undefined || message === ''
    ? { type, status, reason }
    : { type, status, reason, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message };
}

/** Ready=True: the external resource exists and is usable. */
export const ready = (message?: string): ConditionInput => input(ConditionType.Ready, ConditionStatus.True, 'Available', message);
/** Ready=False: the external resource is not usable (yet). */
export const unavailable = (message?: string): ConditionInput =>
  input(ConditionType.Ready, ConditionStatus.False, 'Unavailable', message);
/** Ready=False while the external resource is being created. */
export const creating = (message?: string): ConditionInput => input(ConditionType.Ready, ConditionStatus.False, 'Creating', message);
/** Ready=False while the external resource is being deleted. */
export const deleting = (message?: string): ConditionInput => input(ConditionType.Ready, ConditionStatus.False, 'Deleting', message);
/** Reason of both conditions while an object waits for objects it depends on (see {@link waitingForDependency}). */
export const WAITING_FOR_DEPENDENCY = 'WaitingForDependency';
/**
 * Synced=False while the external resource is not created because objects it depends on are missing or not
 * Ready; `message` names each of them and why. Not an error: nothing was attempted.
 */
export const waitingForDependency = (message: string): ConditionInput =>
  input(ConditionType.Synced, ConditionStatus.False, WAITING_FOR_DEPENDENCY, message);
/** Ready=False for the same wait as {@link waitingForDependency}, with the same message. */
export const dependencyNotReady = (message: string): ConditionInput =>
  input(ConditionType.Ready, ConditionStatus.False, WAITING_FOR_DEPENDENCY, message);
/** Synced=True: the last reconcile succeeded. */
export const synced = (): ConditionInput => input(ConditionType.Synced, ConditionStatus.True, 'ReconcileSuccess');
/** Synced=False carrying the error's message. */
export const reconcileError = (err: unknown): ConditionInput =>
  input(ConditionType.Synced, ConditionStatus.False, 'ReconcileError', err instanceof Error ? err.message : String(err));
/** Drifted=True naming the drifted spec paths. */
export const drifted = (paths: readonly string[]): ConditionInput =>
  input(ConditionType.Drifted, ConditionStatus.True, 'DriftDetected', `observed state differs from the spec at ${[...paths].sort().join(', ')}`);
/** Drifted=False: no outstanding drift. */
export const notDrifted = (): ConditionInput => input(ConditionType.Drifted, ConditionStatus.False, 'NoDrift');

/** The condition of `type`, or undefined. */
export function getCondition(conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Options of {@link setCondition}. */
export interface SetConditionOptions {
  /** The object's `metadata.generation` the condition was computed from. */
  readonly observedGeneration: number;
  /** Transition time; default now. */
  readonly now?: Date;
}

/** Result of {@link setCondition}: the new list and whether anything changed. */
export interface SetConditionResult {
  readonly conditions: Condition[];
  readonly changed: boolean;
}

/** Sets one condition in a list (see the module comment); the input list is not modified. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  condition: ConditionInput,
  options: SetConditionOptions,
): SetConditionResult {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === condition.type);
  const existing = index < 0 ? undefined : list[index];
  const keepTime = existing !== undefined && existing.status === condition.status ? existing.lastTransitionTime : undefined;
  const next: Condition = {
    ...condition,
    lastTransitionTime: keepTime ?? rfc3339(options.now ?? new Date()),
    observedGeneration: options.observedGeneration,
  };
  if (existing !== undefined && sameCondition(existing, next)) return { conditions: list, changed: false };
  if (index < 0) list.push(next);
  else list[index] = next;
  return { conditions: list, changed: true };
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}

/**
 * Sets conditions on a copy of `obj` (stamped with its `metadata.generation`). Returns the object itself
 * when nothing changed, so callers can skip the status write.
 */
export function withConditions(obj: KubeObject, inputs: readonly ConditionInput[], options: { readonly now?: Date } = {}): { object: KubeObject; changed: boolean } {
  const status = obj.status ?? {};
  let conditions = Array.isArray(status['conditions']) ? (status['conditions'] as unknown as Condition[]) : undefined;
  let changed = false;
  for (const c of inputs) {
    const result = setCondition(conditions, c, { observedGeneration: obj.metadata.generation ?? 0, ...(options.now ? { now: options.now } : {}) });
    conditions = result.conditions;
    changed ||= result.changed;
  }
  if (!changed) return { object: obj, changed: false };
  const nextStatus: JsonObject = { ...status, conditions: conditions as unknown as JsonObject[] };
  return { object: { ...obj, status: nextStatus }, changed: true };
}

/**
 * True when `obj` is Ready and Synced at its current generation, not being deleted and not drifted: nothing
 * about it is pending, so re-listing it (at startup) needs no prompt reconcile.
 */
export function isSettled(obj: KubeObject): boolean {
  if (obj.metadata.deletionTimestamp !== undefined) return false;
  if (obj.status?.['observedGeneration'] !== (obj.metadata.generation ?? 0)) return false;
  const conditions = (Array.isArray(obj.status?.['conditions']) ? obj.status['conditions'] : []) as unknown as readonly Condition[];
  const is = (type: ConditionType, status: string) => getCondition(conditions, type)?.status === status;
  return is(ConditionType.Ready, ConditionStatus.True) && is(ConditionType.Synced, ConditionStatus.True) && !is(ConditionType.Drifted, ConditionStatus.True);
}
