/**
 * The conditions a terminating Namespace carries (kube's namespace controller's types, reasons and message
 * wording), so that `kubectl describe ns` and `converge describe ns` say what blocks termination.
 */
import type { JsonObject } from '../../schemas/object.js';
import { NamespaceConditionType } from '../../schemas/namespace.js';
import type { RemainingContent } from './content.js';

/** One `status.conditions` entry of a Namespace. */
export interface NamespaceCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime?: string;
}

function list(map: ReadonlyMap<string, number>, unit: (key: string, n: number) => string): string {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, n]) => unit(key, n))
    .join(', ');
}

/** The conditions describing `remaining`, without transition times. */
export function conditionsFor(remaining: RemainingContent): NamespaceCondition[] {
  const content: NamespaceCondition =
    remaining.total > 0
      ? {
          type: NamespaceConditionType.ContentRemaining,
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${list(remaining.byResource, (r, n) => `${r} has ${n} resource instances`)}`,
        }
      : { type: NamespaceConditionType.ContentRemaining, status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' };
  const finalizers: NamespaceCondition =
    remaining.byFinalizer.size > 0
      ? {
          type: NamespaceConditionType.FinalizersRemaining,
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${list(remaining.byFinalizer, (f, n) => `${f} in ${n} resource instances`)}`,
        }
      : { type: NamespaceConditionType.FinalizersRemaining, status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' };
  const failure: NamespaceCondition =
    remaining.failures.length > 0
      ? { type: NamespaceConditionType.DeletionContentFailure, status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${remaining.failures.length} remaining: ${remaining.failures.join(', ')}` }
      : { type: NamespaceConditionType.DeletionContentFailure, status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' };
  return [failure, content, finalizers];
}

function conditionList(status: JsonObject | undefined): NamespaceCondition[] {
  const raw = status?.['conditions'];
  return Array.isArray(raw) ? (raw as unknown as NamespaceCondition[]) : [];
}

/**
 * `wanted` merged over the stored conditions: an unchanged status keeps its lastTransitionTime, a changed
 * one gets `now`. Undefined when nothing changed (no write needed).
 */
export function mergeConditions(status: JsonObject | undefined, wanted: readonly NamespaceCondition[], now: string): NamespaceCondition[] | undefined {
  const stored = conditionList(status);
  let changed = false;
  const merged: NamespaceCondition[] = stored.filter((c) => !wanted.some((w) => w.type === c.type));
  for (const w of wanted) {
    const old = stored.find((c) => c.type === w.type);
    if (old !== undefined && old.status === w.status && old.reason === w.reason && old.message === w.message) {
      merged.push(old);
      continue;
    }
    changed = true;
    merged.push({ ...w, lastTransitionTime: old !== undefined && old.status === w.status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : now });
  }
  return changed ? merged : undefined;
}
