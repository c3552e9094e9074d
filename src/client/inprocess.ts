/**
 * The in-process {@link ApiClient}: the same registry calls the HTTP handlers make, without HTTP. Used by
 * `converge serve` so that its controllers skip serialisation and sockets. Bodies are copied through JSON on
 * the way in, so callers see exactly the HTTP semantics (no shared references, `undefined` fields dropped).
 */
import type { JsonValue } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { decodeContinue, encodeContinue } from '../apiserver/util/continue.js';
import { BadRequestError } from '../errors/index.js';
import {
  applyObject,
  patchObject,
  createObject,
  deleteObject,
  getObject,
  listObjects,
  updateObject,
  type RegistryContext,
} from '../registry/index.js';
import { inProcessWatch, type WatchTimers } from './inprocess-watch.js';
import { selectorPredicate } from './selectors.js';
import { scopeOf } from './scope.js';
import type {
  ApiClient,
  ClientDeleteOptions,
  ClientList,
  ClientListOptions,
  ClientPatch,
  ClientUpdateOptions,
  ClientWatchEvent,
  ClientWatchOptions,
  ClientWriteOptions,
} from './types.js';

/** Options of {@link createInProcessClient}. */
export interface InProcessClientOptions {
  readonly registry: RegistryContext;
  /** Interval of BOOKMARK events on watches that allow them. Default 60 s, like the API server. */
  readonly bookmarkIntervalMs?: number;
  /** Most operations in one JSON patch. Default 10,000, like the API server. */
  readonly maxPatchOperations?: number;
  /** Timers of watches (bookmarks, `timeoutSeconds`); default Node's. */
  readonly timers?: WatchTimers;
}

const nodeTimers: WatchTimers = {
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * A deep copy through JSON, as a request body would travel.
 * @throws BadRequestError when there is nothing to send (undefined, a function) or it cannot be serialised.
 */
function viaJson<T>(value: T): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new BadRequestError('request body cannot be serialised as JSON', { cause: err });
  }
  if (text === undefined) throw new BadRequestError('request body is required');
  return JSON.parse(text) as T;
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new BadRequestError(`limit: invalid value ${JSON.stringify(limit)}: must be a non-negative integer`);
  }
}

/** Creates a client over the registry; see the module comment. */
export function createInProcessClient(options: InProcessClientOptions): ApiClient {
  const { registry } = options;
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
  const maxOperations = options.maxPatchOperations ?? 10_000;
  const timers = options.timers ?? nodeTimers;

  return {
    async get(type, namespace, name) {
      return getObject(registry, type, scopeOf(type, namespace), name);
    },

    async list(type, listOptions: ClientListOptions = {}): Promise<ClientList> {
      checkLimit(listOptions.limit);
      const filter = selectorPredicate(listOptions);
      const namespace = type.namespaced && listOptions.namespace ? listOptions.namespace : undefined;
      const page = await listObjects(registry, type, {
        ...(namespace !== undefined ? { namespace } : {}),
        ...(listOptions.limit !== undefined ? { limit: listOptions.limit } : {}),
        ...(listOptions.continue ? { continueFrom: decodeContinue(listOptions.continue) } : {}),
        ...(listOptions.resourceVersion !== undefined ? { resourceVersion: listOptions.resourceVersion } : {}),
        ...(filter ? { filter } : {}),
      });
      return {
        items: page.items,
        resourceVersion: String(page.revision),
        ...(page.next ? { continue: encodeContinue(page.next) } : {}),
      };
    },

    watch(type, watchOptions: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
      const namespace = type.namespaced && watchOptions.namespace ? watchOptions.namespace : undefined;
      return {
        [Symbol.asyncIterator]: () =>
          inProcessWatch(registry, type, namespace, watchOptions, { bookmarkIntervalMs, timers }),
      };
    },

    async create(type, object, writeOptions: ClientWriteOptions = {}) {
      const namespace = scopeOf(type, object.metadata?.namespace);
      return createObject(registry, type, namespace, viaJson(object), {
        dryRun: writeOptions.dryRun ?? false,
        ...(writeOptions.fieldManager ? { fieldManager: writeOptions.fieldManager } : {}),
      });
    },

    async update(type, object, updateOptions: ClientUpdateOptions = {}) {
      const namespace = scopeOf(type, object.metadata?.namespace);
      return updateObject(registry, type, namespace, object.metadata?.name ?? '', viaJson(object), {
        dryRun: updateOptions.dryRun ?? false,
        ...(updateOptions.fieldManager ? { fieldManager: updateOptions.fieldManager } : {}),
        subresource: updateOptions.subresource === 'status' ? 'status' : 'main',
      });
    },

    async patch(type, namespace, name, patch: ClientPatch, updateOptions: ClientUpdateOptions = {}) {
      const scope = scopeOf(type, namespace);
      if (patch.type === 'apply') {
        if (!updateOptions.fieldManager) throw new BadRequestError('fieldManager is required for apply patch');
        const result = await applyObject(registry, type, scope, name, viaJson(patch.body), {
          dryRun: updateOptions.dryRun ?? false,
          manager: updateOptions.fieldManager,
          force: updateOptions.force ?? false,
          ...(updateOptions.subresource === 'status' ? { subresource: 'status' as const } : {}),
        });
        return result.object;
      }
      return patchObject(registry, type, scope, name, { type: patch.type, body: viaJson(patch.body) as JsonValue }, {
        dryRun: updateOptions.dryRun ?? false,
        ...(updateOptions.fieldManager ? { fieldManager: updateOptions.fieldManager } : {}),
        subresource: updateOptions.subresource === 'status' ? 'status' : 'main',
        maxOperations,
      });
    },

    async delete(type, namespace, name, deleteOptions: ClientDeleteOptions = {}) {
      const result = await deleteObject(registry, type, scopeOf(type, namespace), name, {
        dryRun: deleteOptions.dryRun ?? false,
        ...(deleteOptions.preconditions ? { preconditions: deleteOptions.preconditions } : {}),
        ...(deleteOptions.propagationPolicy ? { propagationPolicy: deleteOptions.propagationPolicy } : {}),
      });
      return result.object;
    },
  };
}
