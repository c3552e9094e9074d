/**
 * Finalizer helpers: tests, copies with a finalizer added or removed, the merge patches that write them,
 * and a registry of finalizers by key that runs the ones a deleting object still carries (controller-runtime's
 * `pkg/finalizer`). Patches carry the resourceVersion they were computed from, because a merge patch replaces
 * the whole `finalizers` list: without the precondition it could drop a finalizer another controller just added.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ClientPatch } from '../client/types.js';
import { InvalidError } from '../errors/index.js';

/** True when `obj` carries `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** True when deletion was requested (`deletionTimestamp` set). */
export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** A copy of `obj` with `finalizer` appended; `obj` itself when already present. */
export function withFinalizer(obj: KubeObject, finalizer: string): KubeObject {
  if (hasFinalizer(obj, finalizer)) return obj;
  return { ...obj, metadata: { ...obj.metadata, finalizers: [...(obj.metadata.finalizers ?? []), finalizer] } };
}

/** A copy of `obj` without `finalizer`; `obj` itself when absent. */
export function withoutFinalizer(obj: KubeObject, finalizer: string): KubeObject {
  if (!hasFinalizer(obj, finalizer)) return obj;
  return { ...obj, metadata: { ...obj.metadata, finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer) } };
}

/** The merge patch setting `obj`'s finalizers to `finalizers`, preconditioned on `obj`'s resourceVersion. */
export function finalizersPatch(obj: KubeObject, finalizers: readonly string[]): ClientPatch {
  return {
    type: 'merge',
    body: { metadata: { finalizers: [...finalizers], ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}) } },
  };
}

/** The patch adding `finalizer`, or undefined when `obj` already has it. */
export function addFinalizerPatch(obj: KubeObject, finalizer: string): ClientPatch | undefined {
  return hasFinalizer(obj, finalizer) ? undefined : finalizersPatch(obj, withFinalizer(obj, finalizer).metadata.finalizers ?? []);
}

/** The patch removing `finalizer`, or undefined when `obj` does not have it. */
export function removeFinalizerPatch(obj: KubeObject, finalizer: string): ClientPatch | undefined {
  return hasFinalizer(obj, finalizer) ? finalizersPatch(obj, withoutFinalizer(obj, finalizer).metadata.finalizers ?? []) : undefined;
}

/** Cleans up what an object owns before its finalizer is removed; throw to keep the finalizer and retry. */
export type Finalizer = (obj: KubeObject, signal: AbortSignal) => Promise<void>;

/** What {@link Finalizers.finalize} did. */
export interface FinalizeResult {
  /** The object with finalizers added or removed (the input itself when unchanged). */
  readonly object: KubeObject;
  /** True when `object` differs from the input and must be written. */
  readonly updated: boolean;
  /** Errors of the finalizers that failed (their finalizers stay). */
  readonly errors: readonly unknown[];
}

/** Finalizers registered by key; see the module comment. */
export class Finalizers {
  private readonly registered = new Map<string, Finalizer>();

  /** Registers `finalizer` under `key`; throws `InvalidError` for a duplicate key. */
  register(key: string, finalizer: Finalizer): void {
    if (this.registered.has(key)) throw new InvalidError(`finalizer "${key}" is already registered`);
    this.registered.set(key, finalizer);
  }

  /**
   * A live object gets every registered key added. A deleting object has each registered finalizer it
   * carries run (all of them, even after one fails); the keys of those that succeeded are removed.
   */
  async finalize(obj: KubeObject, signal: AbortSignal): Promise<FinalizeResult> {
    let object = obj;
    const errors: unknown[] = [];
    if (!isDeleting(obj)) {
      for (const key of this.registered.keys()) object = withFinalizer(object, key);
      return { object, updated: object !== obj, errors };
    }
    for (const [key, finalizer] of this.registered) {
      if (!hasFinalizer(object, key)) continue;
      try {
        await finalizer(obj, signal);
        object = withoutFinalizer(object, key);
      } catch (err) {
        errors.push(err);
      }
    }
    return { object, updated: object !== obj, errors };
  }
}
