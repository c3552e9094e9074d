import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { BadRequestError } from '../errors/index.js';
import type { WatchEvent } from '../store/types.js';
import { decodeObject, parseResourceVersion } from './codec.js';
import type { RegistryContext } from './context.js';
import { collectionPrefix } from './keys.js';
import { listObjects } from './read.js';

/** Kubernetes watch event types. */
export const WatchEventType = {
  Added: 'ADDED',
  Modified: 'MODIFIED',
  Deleted: 'DELETED',
  Bookmark: 'BOOKMARK',
  Error: 'ERROR',
} as const;
export type WatchEventType = (typeof WatchEventType)[keyof typeof WatchEventType];

/** One event of an object watch, as sent on the wire (`{"type":…,"object":…}`). */
export interface ObjectEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

/** Options of {@link watchObjects}. */
export interface ObjectWatchOptions {
  readonly namespace?: string;
  /** `resourceVersion` query parameter: events after it; empty or `0` = current state as ADDED events first. */
  readonly resourceVersion?: string;
  /** Selector predicate; objects moving in or out of it produce ADDED / DELETED like kube-apiserver. */
  readonly filter?: (obj: KubeObject) => boolean;
  readonly signal?: AbortSignal;
}

/** A running object watch: iterate events; `revision` is the last revision delivered (for bookmarks). */
export interface ObjectWatch extends AsyncIterable<ObjectEvent> {
  /** The newest revision this watch has delivered or started from. */
  readonly revision: number;
  close(): void;
}

function translate(event: WatchEvent, filter: (obj: KubeObject) => boolean): ObjectEvent | undefined {
  const object = decodeObject(event.kv);
  if (event.type === 'delete') return filter(object) ? { type: 'DELETED', object } : undefined;
  const isMatch = filter(object);
  const created = event.kv.createRevision === event.kv.modRevision;
  const wasMatch = !created && event.prevKv !== undefined ? filter(decodeObject(event.prevKv)) : false;
  if (isMatch && (created || wasMatch)) return { type: created ? 'ADDED' : 'MODIFIED', object };
  if (isMatch) return { type: 'ADDED', object };
  if (wasMatch) return { type: 'DELETED', object };
  return undefined;
}

/**
 * Watches a kind (optionally one namespace) with Kubernetes semantics: ordered events after
 * `resourceVersion`; with no resourceVersion (or `0`) the current objects first arrive as ADDED. Iteration
 * throws `CompactedError` when the start revision is compacted (the HTTP layer turns it into a 410 event).
 */
export function watchObjects(ctx: RegistryContext, type: ResourceType, options: ObjectWatchOptions): ObjectWatch {
  const filter = options.filter ?? (() => true);
  const rv = parseResourceVersion(options.resourceVersion);
  if (Number.isNaN(rv)) throw new BadRequestError(`invalid resourceVersion "${String(options.resourceVersion)}"`);
  const prefix = collectionPrefix(type, options.namespace);
  let revision = rv ?? 0;
  let closed = false;
  let storeWatch: { close(): void } | undefined;
  const watch: ObjectWatch = {
    get revision() {
      return revision;
    },
    close() {
      closed = true;
      storeWatch?.close();
    },
    async *[Symbol.asyncIterator]() {
      if (rv === undefined || rv === 0) {
        const initial = await listObjects(ctx, type, {
          ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
          filter,
        });
        revision = initial.revision;
        for (const object of initial.items) {
          if (closed) return;
          yield { type: 'ADDED', object } as ObjectEvent;
        }
      }
      if (closed) return;
      const events = ctx.backend.watch({
        prefix,
        fromRevision: revision,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      storeWatch = events;
      try {
        for await (const event of events) {
          revision = event.revision;
          const out = translate(event, filter);
          if (out) yield out;
        }
      } finally {
        events.close();
      }
    },
  };
  return watch;
}
