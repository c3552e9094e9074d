import type { KubeObject } from '../../../schemas/object.js';
import { apiVersionOf } from '../../../schemas/types.js';
import { BadRequestError, isCompacted } from '../../errors/index.js';
import { listObjects, watchObjects } from '../../registry/index.js';
import { parseResourceVersion } from '../../registry/codec.js';
import { toTable } from '../table.js';
import { statusFromError } from '../util/status.js';
import { wantsTable } from '../util/negotiate.js';
import type { ListQuery } from '../util/query.js';
import { watchCacheFor, type CacheRegistration, type CachedEvent, type ObjectEventType } from '../watch-cache.js';
import { selectorFilter } from './read.js';
import type { ResourceRequest } from './resource-request.js';
import { WatchSink } from './watch-sink.js';

/**
 * A streaming watch (`?watch=1`): newline-delimited JSON events over a chunked 200 response, like
 * kube-apiserver. Resumes after `resourceVersion`; a compacted start revision ends the stream with an ERROR
 * event carrying a 410 `Status` ("too old resource version"); BOOKMARK events carry the last revision the
 * watch has been brought up to when the client allows them; the stream ends after `timeoutSeconds` (default
 * 30–60 min), on disconnect, or when the client reads so slowly that `limits.watchQueueLines` events wait for
 * it (it then re-watches from the last resourceVersion it received).
 *
 * Events come from the kind's shared fan-out (`../watch-cache.ts`: one store watch, one decode and one
 * serialisation per event for all watchers); a start older than its window watches the store directly.
 */
export async function handleWatch(r: ResourceRequest, query: ListQuery): Promise<number> {
  const filter = selectorFilter(query, r.type);
  const rv = parseResourceVersion(query.resourceVersion);
  if (Number.isNaN(rv)) throw new BadRequestError(`invalid resourceVersion "${String(query.resourceVersion)}"`);
  const asTable = wantsTable(r.req.headers.accept);
  const { limits, registry } = r.deps;
  const namespace = r.info.namespace;
  const timeoutSeconds = query.timeoutSeconds ?? limits.minWatchTimeoutSeconds * (1 + Math.random());
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  r.res.flushHeaders();

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const controller = new AbortController();
  // Disconnect, timeout or too slow a client: end now, dropping what is queued (the client resumes from what
  // it received). An ended event source instead lets the queue drain first (see `fail`).
  const stop = () => {
    controller.abort();
    sink.stop();
    finish();
  };
  const sink: WatchSink = new WatchSink(r.res, { maxQueuedLines: limits.watchQueueLines, onOverflow: stop });
  r.res.on('close', stop);
  const timeout = setTimeout(stop, timeoutSeconds * 1000);
  /** The revision the stream has been brought up to: what a BOOKMARK reports. */
  let revision = rv ?? 0;
  let storeWatch: { readonly revision: number } | undefined;
  const bookmark = query.allowWatchBookmarks
    ? setInterval(() => {
        const object = { kind: r.type.kind, apiVersion: apiVersionOf(r.type), metadata: { resourceVersion: String(storeWatch?.revision ?? revision) } };
        sink.push(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
      }, limits.bookmarkIntervalMs)
    : undefined;
  const encode = (type: ObjectEventType, object: KubeObject): string => {
    if (!asTable) return JSON.stringify({ type, object }) + '\n';
    const table = toTable(r.type, [object], { resourceVersion: object.metadata.resourceVersion ?? '' }, registry.now());
    return JSON.stringify({ type, object: table }) + '\n';
  };
  const encodeShared = (type: ObjectEventType, event: CachedEvent): string => (asTable ? encode(type, event.object) : event.line(type));
  const fail = (err: unknown) => {
    if (controller.signal.aborted) return;
    if (!isCompacted(err)) r.deps.logger.warn({ err, resource: r.type.plural }, 'watch ended with an error');
    sink.push(JSON.stringify({ type: 'ERROR', object: statusFromError(err).body }) + '\n');
  };

  let registration: CacheRegistration | undefined;
  try {
    const cache = await watchCacheFor(registry.backend, r.type);
    let initial: readonly KubeObject[] = [];
    if (rv === undefined || rv === 0) {
      const page = await listObjects(registry, r.type, { ...(namespace !== undefined ? { namespace } : {}), ...(filter ? { filter } : {}) });
      initial = page.items;
      revision = page.revision;
    }
    // A compacted start is left to the store's own watch, which reports it (410) exactly as it defines it.
    const compacted = rv !== undefined && rv !== 0 && rv < (await registry.backend.stats()).compactRevision;
    if (controller.signal.aborted) return 200;
    // The initial state and the replayed events go out at the client's pace, not counted as falling behind.
    const replayed: string[] = [];
    let replaying = true;
    registration = compacted
      ? undefined
      : cache.register({
          ...(namespace !== undefined ? { namespace } : {}),
          ...(filter ? { filter } : {}),
          after: revision,
          onEvent: (type, event) => {
            const line = encodeShared(type, event);
            if (replaying) replayed.push(line);
            else sink.push(line);
          },
          onProgress: (at) => {
            revision = at;
          },
          onEnd: (err) => {
            if (err !== undefined) fail(err);
            finish();
          },
        });
    replaying = false;
    sink.setBacklog(
      (function* () {
        for (const object of initial) yield encode('ADDED', object);
        yield* replayed;
      })(),
    );
    if (registration === undefined) await watchStore(revision);
    else await finished;
    await sink.idle();
  } catch (err) {
    fail(err);
    await sink.idle();
  } finally {
    registration?.close();
    clearTimeout(timeout);
    if (bookmark) clearInterval(bookmark);
    r.res.off('close', stop);
    sink.stop();
    if (!r.res.writableEnded) r.res.end();
  }
  return 200;

  /** The per-watcher path, for a start the shared fan-out no longer holds: the store's own watch from `from`. */
  async function watchStore(from: number): Promise<void> {
    const watch = watchObjects(registry, r.type, {
      ...(namespace !== undefined ? { namespace } : {}),
      resourceVersion: String(from),
      ...(filter ? { filter } : {}),
      signal: controller.signal,
    });
    const onStop = () => watch.close();
    controller.signal.addEventListener('abort', onStop, { once: true });
    try {
      storeWatch = watch;
      for await (const event of watch) {
        sink.push(encode(event.type, event.object));
        await sink.idle();
      }
    } finally {
      controller.signal.removeEventListener('abort', onStop);
      watch.close();
    }
  }
}
