/**
 * Owner references as the garbage collector reads them: which served kind a reference names, where that
 * owner lives relative to its dependent, and the cache index that finds an owner's dependents by its uid.
 */
import type { KubeObject, OwnerReference } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { IndexFunc } from '../runtime/cache.js';
import { keyOfRequest, type Request } from '../runtime/request.js';

/** Cache index of every informer the collector watches: an object under each of its owners' uids. */
export const OWNER_UID_INDEX = 'gc-owner-uid';

/** Indexes an object under the uid of every owner it names. */
export const ownerUidIndex: IndexFunc = (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid).filter((uid) => uid !== '');

/** The API group of an `apiVersion` (`""` for the core group's `v1`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The kind of `types` a reference names (by group and kind: every version of a kind is the same object). */
export function ownerTypeOf(ref: OwnerReference, types: readonly ResourceType[]): ResourceType | undefined {
  const group = groupOf(ref.apiVersion);
  return types.find((t) => t.group === group && t.kind === ref.kind);
}

/** Where a dependent's owner must be looked for; `invalid` when kube's scoping rule makes it unresolvable. */
export type OwnerLocation = { readonly kind: 'at'; readonly request: Request } | { readonly kind: 'invalid' };

/**
 * Kubernetes' rule: a namespaced dependent's owners are in its own namespace (or cluster-scoped); a
 * cluster-scoped dependent can only be owned by cluster-scoped objects, so a namespaced owner kind is
 * unresolvable for it.
 */
export function ownerLocation(dependent: KubeObject, ownerType: ResourceType, ref: OwnerReference): OwnerLocation {
  if (!ownerType.namespaced) return { kind: 'at', request: { name: ref.name } };
  const namespace = dependent.metadata.namespace;
  if (namespace === undefined || namespace === '') return { kind: 'invalid' };
  return { kind: 'at', request: { namespace, name: ref.name } };
}

/** The cache key of an owner location. */
export function keyOfLocation(location: Extract<OwnerLocation, { kind: 'at' }>): string {
  return keyOfRequest(location.request);
}

/** A short human name of a reference for events and logs, e.g. `Pool/blue (uid 1234)`. */
export function describeRef(ref: OwnerReference): string {
  return `${ref.kind}/${ref.name} (uid ${ref.uid})`;
}

/** True when `a` and `b` hold the same references (same uids, in any order). */
export function sameOwners(a: KubeObject, b: KubeObject): boolean {
  const ua = (a.metadata.ownerReferences ?? []).map((r) => `${r.uid}:${r.blockOwnerDeletion === true}`).sort();
  const ub = (b.metadata.ownerReferences ?? []).map((r) => `${r.uid}:${r.blockOwnerDeletion === true}`).sort();
  return ua.length === ub.length && ua.every((u, i) => u === ub[i]);
}
