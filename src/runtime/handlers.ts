/**
 * Turning informer events into queue keys (controller-runtime's `handler` package). Level-based: only the
 * key goes into the queue; the reconciler reads the current state itself.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { InformerEventHandler } from './informer.js';
import { keyOfRequest, type Request } from './request.js';

/** Maps an object of a watched kind to the requests of the primary kind it concerns. */
export type MapFunc = (obj: KubeObject) => readonly Request[];

/** An informer event, as predicates see it. */
export interface WatchEvent {
  readonly type: 'add' | 'update' | 'delete';
  readonly object: KubeObject;
  /** The previous state, for updates. */
  readonly oldObject?: KubeObject;
}

/** Decides whether an event may enqueue anything (e.g. ignore status-only updates). */
export type Predicate = (event: WatchEvent) => boolean;

/** Where keys go. */
export interface KeySink {
  add(key: string): void;
  /** Optional: a key that may wait for every normal one (e.g. a settled object seen again on a re-list). */
  addLowPriority?(key: string): void;
}

/** The request of the object itself (the primary kind's own events). */
export const mapToSelf: MapFunc = (obj) => [
  { ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name },
];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The request of the controlling owner of kind `owner` (the ownerReference with `controller: true`), as
 * controller-runtime's `Owns()`. Owners are in the dependent's namespace, or cluster-scoped.
 */
export function mapToControllerOwner(owner: ResourceType): MapFunc {
  return (obj) => {
    const ref = (obj.metadata.ownerReferences ?? []).find(
      (r) => r.controller === true && r.kind === owner.kind && groupOf(r.apiVersion) === owner.group,
    );
    if (ref === undefined) return [];
    const namespace = owner.namespaced ? obj.metadata.namespace : undefined;
    return [{ ...(namespace !== undefined ? { namespace } : {}), name: ref.name }];
  };
}

/** True for updates that changed `metadata.generation` (spec changes), and for every add and delete. */
export const generationChanged: Predicate = (event) =>
  event.type !== 'update' || event.oldObject?.metadata.generation !== event.object.metadata.generation;

/**
 * True for every add and delete, and for updates that change what a reconciler acts on: the spec (generation),
 * labels, annotations, finalizers, owners or deletion. Status-only updates — which the reconciler itself writes —
 * are skipped, so a controller that records each failed attempt in status cannot re-trigger itself past its
 * backoff (controller-runtime's GenerationChanged + Labels + Annotations predicates, plus finalizers/deletion).
 */
export const desiredStateChanged: Predicate = (event) => {
  if (event.type !== 'update' || event.oldObject === undefined) return true;
  const a = event.oldObject.metadata;
  const b = event.object.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !isDeepStrictEqual(a.labels, b.labels) ||
    !isDeepStrictEqual(a.annotations, b.annotations) ||
    !isDeepStrictEqual(a.finalizers, b.finalizers) ||
    !isDeepStrictEqual(a.ownerReferences, b.ownerReferences)
  );
};

/** Options of {@link enqueueHandler}. */
export interface EnqueueOptions {
  /**
   * True for an object needing no prompt attention (e.g. Ready at its current generation). Its *adds* — which
   * for such an object only come from a (re-)list, typically at startup — go in at low priority.
   */
  readonly settled?: (obj: KubeObject) => boolean;
}

/**
 * An informer handler that enqueues the keys `map` returns. On updates both the old and the new object are
 * mapped, so a dependent that changed owner (or label) enqueues both the old and the new primary.
 */
export function enqueueHandler(sink: KeySink, map: MapFunc, predicate?: Predicate, options: EnqueueOptions = {}): InformerEventHandler {
  const enqueue = (obj: KubeObject) => {
    for (const request of map(obj)) sink.add(keyOfRequest(request));
  };
  return {
    onAdd(obj) {
      if (predicate && !predicate({ type: 'add', object: obj })) return;
      if (sink.addLowPriority !== undefined && options.settled?.(obj) === true) {
        for (const request of map(obj)) sink.addLowPriority(keyOfRequest(request));
        return;
      }
      enqueue(obj);
    },
    onUpdate(oldObj, newObj) {
      if (predicate && !predicate({ type: 'update', object: newObj, oldObject: oldObj })) return;
      const keys = new Set([...map(oldObj), ...map(newObj)].map(keyOfRequest));
      for (const key of keys) sink.add(key);
    },
    onDelete(obj) {
      if (predicate && !predicate({ type: 'delete', object: obj })) return;
      enqueue(obj);
    },
  };
}
