import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';

/**
 * How controllers, the CLI and GitOps talk to the API. Two implementations share this contract and one
 * conformance suite: in-process (calls the registry directly, used by `converge serve`) and HTTP (through
 * @kubernetes/client-node; works against Converge's server and a real Kubernetes API server with the CRDs).
 *
 * Errors are the catalogue's classes whatever the transport: `NotFoundError`, `ConflictError`,
 * `AlreadyExistsError`, `InvalidError` (with causes), `CompactedError` (410), `UnavailableError`.
 */
export interface ApiClient {
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(type: ResourceType, options?: ClientListOptions): Promise<ClientList>;
  /** Ordered events after `resourceVersion`; the iterator throws `CompactedError` on 410. */
  watch(type: ResourceType, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent>;
  create(type: ResourceType, object: KubeObject, options?: ClientWriteOptions): Promise<KubeObject>;
  /** PUT of the object (or its status); `metadata.resourceVersion` is the precondition. */
  update(type: ResourceType, object: KubeObject, options?: ClientUpdateOptions): Promise<KubeObject>;
  patch(type: ResourceType, namespace: string | undefined, name: string, patch: ClientPatch, options?: ClientUpdateOptions): Promise<KubeObject>;
  /**
   * Deletes (or marks terminating when finalizers remain); resolves with the object as last seen. Over HTTP a
   * completed delete yields only its identity (name, namespace, uid): kube-apiserver answers it with a Status.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options?: ClientDeleteOptions): Promise<KubeObject | undefined>;
}

/** Options of {@link ApiClient.list}. */
export interface ClientListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
}

/** One page of a list. */
export interface ClientList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

/** Options of {@link ApiClient.watch}. */
export interface ClientWatchOptions {
  readonly namespace?: string;
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

/** A watch event; BOOKMARK objects carry only `metadata.resourceVersion`. */
export interface ClientWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: KubeObject;
}

/** Options common to writes. */
export interface ClientWriteOptions {
  readonly dryRun?: boolean;
  /** Field manager recorded in managedFields (required for apply). */
  readonly fieldManager?: string;
}

/** Options of updates and patches. */
export interface ClientUpdateOptions extends ClientWriteOptions {
  readonly subresource?: 'status';
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

/** A patch and its type. `apply` is server-side apply of a full object (YAML or JSON). */
export type ClientPatch =
  | { readonly type: 'merge'; readonly body: unknown }
  | { readonly type: 'json'; readonly body: readonly unknown[] }
  | { readonly type: 'apply'; readonly body: KubeObject };

/** Options of {@link ApiClient.delete}. */
export interface ClientDeleteOptions {
  readonly dryRun?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /**
   * What happens to the object's dependents (objects whose ownerReferences name it): `Orphan` keeps them and
   * strips the reference, `Foreground` deletes them before the owner goes, `Background` (default) deletes the
   * owner at once and lets the garbage collector delete them after.
   */
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}
