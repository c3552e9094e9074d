import { once } from 'node:events';
import { apiVersionOf } from '../../../schemas/types.js';
import { isCompacted } from '../../errors/index.js';
import { watchObjects, type ObjectEvent } from '../../registry/index.js';
import { toTable } from '../table.js';
import { statusFromError } from '../util/status.js';
import { wantsTable } from '../util/negotiate.js';
import type { ListQuery } from '../util/query.js';
import { selectorFilter } from './read.js';
import { sharedLine } from './watch-lines.js';
import type { ResourceRequest } from './resource-request.js';

/**
 * A streaming watch (`?watch=1`): newline-delimited JSON events over a chunked 200 response, like
 * kube-apiserver. Resumes after `resourceVersion`; a compacted start revision ends the stream with an ERROR
 * event carrying a 410 `Status` ("too old resource version"); BOOKMARK events carry the last delivered revision
 * when the client allows them; the stream ends after `timeoutSeconds` (default 30–60 min) or on disconnect.
 */
export async function handleWatch(r: ResourceRequest, query: ListQuery): Promise<number> {
  const filter = selectorFilter(query, r.type);
  const controller = new AbortController();
  const watch = watchObjects(r.deps.registry, r.type, {
    ...(r.info.namespace !== undefined ? { namespace: r.info.namespace } : {}),
    ...(query.resourceVersion !== undefined ? { resourceVersion: query.resourceVersion } : {}),
    ...(filter ? { filter } : {}),
    signal: controller.signal,
  });
  const asTable = wantsTable(r.req.headers.accept);
  const { limits } = r.deps;
  const timeoutSeconds = query.timeoutSeconds ?? limits.minWatchTimeoutSeconds * (1 + Math.random());
  r.res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  r.res.flushHeaders();
  const stop = () => {
    controller.abort();
    watch.close();
  };
  r.res.on('close', stop);
  const timeout = setTimeout(stop, timeoutSeconds * 1000);
  const send = async (line: string) => {
    if (!r.res.write(line + '\n')) await Promise.race([once(r.res, 'drain'), once(r.res, 'close')]);
  };
  const bookmark = query.allowWatchBookmarks
    ? setInterval(() => {
        const object = { kind: r.type.kind, apiVersion: apiVersionOf(r.type), metadata: { resourceVersion: String(watch.revision) } };
        r.res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
      }, limits.bookmarkIntervalMs)
    : undefined;
  const encode = (event: ObjectEvent): string => {
    if (!asTable) {
      const m = event.object.metadata;
      // Only events with a resourceVersion identify their content; the rest are encoded each time.
      if (m.resourceVersion === undefined) return JSON.stringify(event);
      return sharedLine(`${r.type.group}/${r.type.plural}/${m.namespace ?? ''}/${m.name}@${m.resourceVersion}/${event.type}`, () => JSON.stringify(event));
    }
    const table = toTable(r.type, [event.object], { resourceVersion: event.object.metadata.resourceVersion ?? '' }, r.deps.registry.now());
    return JSON.stringify({ type: event.type, object: table });
  };
  try {
    for await (const event of watch) await send(encode(event));
  } catch (err) {
    if (!controller.signal.aborted) {
      if (!isCompacted(err)) r.deps.logger.warn({ err, resource: r.type.plural }, 'watch ended with an error');
      await send(JSON.stringify({ type: 'ERROR', object: statusFromError(err).body })).catch(() => undefined);
    }
  } finally {
    clearTimeout(timeout);
    if (bookmark) clearInterval(bookmark);
    r.res.off('close', stop);
    watch.close();
    if (!r.res.writableEnded) r.res.end();
  }
  return 200;
}
