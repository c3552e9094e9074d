import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import { scopeOf } from './scope.js';
import { errorFromStatus } from './status-error.js';
import { query, resourcePath } from './paths.js';
import { Transport } from './transport.js';
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

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** The Table shape `table()` returns. */
export interface TableResponse {
  readonly columnDefinitions: readonly { readonly name: string; readonly type: string; readonly priority: number }[];
  readonly rows: readonly { readonly cells: readonly unknown[]; readonly object: { readonly metadata: { readonly name: string; readonly namespace?: string } } }[];
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
}

const PATCH_CONTENT_TYPE = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** The {@link ApiClient} over HTTP, for the CLI, GitOps and in-cluster controllers. */
export class HttpApiClient implements ApiClient {
  readonly #t: Transport;

  constructor(kc: KubeConfig) {
    this.#t = new Transport(kc);
  }

  /** Base URL of the server this client talks to. */
  get server(): string {
    return this.#t.server;
  }

  async get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.#t.json({ method: 'GET', path: resourcePath(type, scopeOf(type, namespace), name) });
  }

  async list(type: ResourceType, options: ClientListOptions = {}): Promise<ClientList> {
    const q = query({
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.limit,
      continue: options.continue,
      resourceVersion: options.resourceVersion,
    });
    const body = await this.#t.json<{ items: KubeObject[]; metadata: { resourceVersion: string; continue?: string } }>({
      method: 'GET',
      path: resourcePath(type, options.namespace) + q,
    });
    return {
      items: body.items,
      resourceVersion: body.metadata.resourceVersion,
      ...(body.metadata.continue ? { continue: body.metadata.continue } : {}),
    };
  }

  async *watch(type: ResourceType, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
    const q = query({
      watch: 1,
      resourceVersion: options.resourceVersion,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      allowWatchBookmarks: options.allowBookmarks ? 'true' : undefined,
      timeoutSeconds: options.timeoutSeconds,
    });
    let res;
    try {
      res = await this.#t.open({
        method: 'GET',
        path: resourcePath(type, options.namespace) + q,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    if ((res.statusCode ?? 0) !== 200) {
      let text = '';
      for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString();
      throw errorFromStatus(res.statusCode ?? 0, safeJson(text));
    }
    let buffer = '';
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        buffer += chunk.toString('utf8');
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const event = safeJson(line) as { type?: string; object?: KubeObject & { code?: number } };
          if (event.type === 'ERROR') throw errorFromStatus(event.object?.code ?? 500, event.object);
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK') {
            yield { type: event.type, object: event.object as KubeObject };
          }
        }
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  async create(type: ResourceType, object: KubeObject, options: ClientWriteOptions = {}): Promise<KubeObject> {
    return this.#t.json({
      method: 'POST',
      path: resourcePath(type, scopeOf(type, object.metadata.namespace)) + query({ dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager }),
      body: JSON.stringify(object),
    });
  }

  async update(type: ResourceType, object: KubeObject, options: ClientUpdateOptions = {}): Promise<KubeObject> {
    return this.#t.json({
      method: 'PUT',
      path:
        resourcePath(type, scopeOf(type, object.metadata.namespace), object.metadata.name, options.subresource) +
        query({ dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager }),
      body: JSON.stringify(object),
    });
  }

  async patch(type: ResourceType, namespace: string | undefined, name: string, patch: ClientPatch, options: ClientUpdateOptions = {}): Promise<KubeObject> {
    return this.#t.json({
      method: 'PATCH',
      path:
        resourcePath(type, scopeOf(type, namespace), name, options.subresource) +
        query({
          dryRun: options.dryRun ? 'All' : undefined,
          fieldManager: options.fieldManager,
          force: patch.type === 'apply' && options.force ? 'true' : undefined,
        }),
      body: JSON.stringify(patch.body),
      contentType: PATCH_CONTENT_TYPE[patch.type],
    });
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string, options: ClientDeleteOptions = {}): Promise<KubeObject | undefined> {
    const scope = scopeOf(type, namespace);
    const body = await this.#t.json<KubeObject | { kind: 'Status'; details?: { uid?: string } }>({
      method: 'DELETE',
      path: resourcePath(type, scope, name) + query({ dryRun: options.dryRun ? 'All' : undefined }),
      ...(options.preconditions || options.propagationPolicy
        ? {
            body: JSON.stringify({
              kind: 'DeleteOptions',
              apiVersion: 'v1',
              ...(options.preconditions ? { preconditions: options.preconditions } : {}),
              ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
            }),
          }
        : {}),
    });
    if (body.kind !== 'Status') return body as KubeObject;
    // kube-apiserver answers a completed delete of a custom resource with a Status naming only its identity.
    const uid = (body as { details?: { uid?: string } }).details?.uid;
    return {
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: { name, ...(scope !== undefined ? { namespace: scope } : {}), ...(uid ? { uid } : {}) },
    };
  }

  /**
   * A `meta.k8s.io/v1` Table of one object or a collection, rendered by the server with the kind's printer
   * columns (what `kubectl get` shows).
   */
  table(type: ResourceType, options: ClientListOptions & { readonly name?: string }): Promise<TableResponse> {
    const q = query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit, continue: options.continue });
    return this.#t.json({
      method: 'GET',
      path: resourcePath(type, options.namespace, options.name) + (options.name ? '' : q),
      accept: TABLE_ACCEPT,
    });
  }

  /**
   * A JSON request to a non-resource path of the same server (e.g. `/sim/v1/...`), with the same credentials;
   * error answers throw the matching catalogue error.
   */
  request<T>(method: 'GET' | 'PATCH' | 'DELETE' | 'POST', path: string, body?: unknown): Promise<T> {
    const contentType = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    return this.#t.json({ method, path, ...(body !== undefined ? { body: JSON.stringify(body), contentType } : {}) });
  }

  /** Closes pooled connections. */
  close(): void {
    this.#t.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}
