/**
 * The in-process watch stream: registry events, plus what the HTTP watch adds around them — BOOKMARK events
 * at an interval when the caller allows them, the `timeoutSeconds` end of stream, and cancellation.
 */
import type { KubeObject } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import { watchObjects, type ObjectEvent, type RegistryContext } from '../registry/index.js';
import type { ClientWatchEvent, ClientWatchOptions } from './types.js';
import { selectorPredicate } from './selectors.js';

/** Timer source of the watch (the runtime's `Clock` satisfies it). */
export interface WatchTimers {
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

/** Settings of {@link inProcessWatch}. */
export interface InProcessWatchSettings {
  readonly bookmarkIntervalMs: number;
  readonly timers: WatchTimers;
}

type Step = { readonly kind: 'event'; readonly result: IteratorResult<ObjectEvent> } | { readonly kind: 'failed'; readonly error: unknown };

/** A BOOKMARK carries only the revision, like kube-apiserver's (no name, no spec). */
function bookmark(type: ResourceType, revision: number): ClientWatchEvent {
  const object = { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: String(revision) } };
  return { type: 'BOOKMARK', object: object as unknown as KubeObject };
}

/**
 * Streams events of `type` after `options.resourceVersion` (see {@link ApiClient.watch}). Ends cleanly on
 * abort or timeout; throws what the registry throws (e.g. `CompactedError` for a compacted start revision,
 * `BadRequestError` for a bad selector or resourceVersion).
 */
export async function* inProcessWatch(
  registry: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  options: ClientWatchOptions,
  settings: InProcessWatchSettings,
): AsyncGenerator<ClientWatchEvent> {
  const filter = selectorPredicate(options);
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const watch = watchObjects(registry, type, {
    ...(namespace !== undefined ? { namespace } : {}),
    resourceVersion: options.resourceVersion,
    ...(filter ? { filter } : {}),
    signal: stop.signal,
  });
  const it = watch[Symbol.asyncIterator]();
  let wake: () => void = () => {};
  let bookmarkDue = false;
  let delivered = 0;
  let bookmarkTimer: { cancel(): void } | undefined;
  // Re-armed only when a bookmark is delivered, so a stream nobody reads holds at most one timer.
  const armBookmark = () => {
    bookmarkTimer = settings.timers.setTimer(settings.bookmarkIntervalMs, () => {
      bookmarkDue = true;
      wake();
    });
  };
  if (options.allowBookmarks) armBookmark();
  const timeoutTimer =
    options.timeoutSeconds !== undefined && options.timeoutSeconds > 0
      ? settings.timers.setTimer(options.timeoutSeconds * 1000, () => stop.abort())
      : undefined;
  stop.signal.addEventListener(
    'abort',
    () => {
      bookmarkTimer?.cancel();
      timeoutTimer?.cancel();
      wake();
    },
    { once: true },
  );
  let pending: Promise<Step> | undefined;
  try {
    for (;;) {
      if (stop.signal.aborted) return;
      // One next() at a time: the pending step survives bookmark wake-ups, so no event is lost or reordered.
      pending ??= it.next().then(
        (result): Step => ({ kind: 'event', result }),
        (error: unknown): Step => ({ kind: 'failed', error }),
      );
      const woken = new Promise<undefined>((resolve) => {
        wake = () => resolve(undefined);
      });
      const step = await Promise.race([pending, woken]);
      if (step === undefined) {
        if (stop.signal.aborted) return;
        if (bookmarkDue) {
          bookmarkDue = false;
          yield bookmark(type, Math.max(watch.revision, delivered));
          if (!stop.signal.aborted) armBookmark();
        }
        continue;
      }
      pending = undefined;
      if (step.kind === 'failed') throw step.error;
      if (step.result.done === true) return;
      delivered = Number(step.result.value.object.metadata.resourceVersion ?? 0);
      yield step.result.value;
    }
  } finally {
    bookmarkTimer?.cancel();
    timeoutTimer?.cancel();
    options.signal?.removeEventListener('abort', onAbort);
    watch.close();
    stop.abort();
  }
}
