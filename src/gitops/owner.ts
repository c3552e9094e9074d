/**
 * Who applied an object: GitOps labels every object it applies with its source, so that prune only ever
 * deletes objects this very source applied (and that nobody has since taken over).
 */
import { createHash } from 'node:crypto';
import type { InventoryEntry } from '../../schemas/gitrepository.js';
import type { KubeObject } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import { labelValueProblem } from '../../schemas/names.js';

/** Field manager of every GitOps write (`converge sync` too). */
export const GITOPS_FIELD_MANAGER = 'converge-gitops';

/** Labels and annotation GitOps puts on what it applies. */
export const OwnerLabel = {
  /** `gitrepository` or `directory`. */
  Source: 'gitops.converge.io/source',
  Namespace: 'gitops.converge.io/namespace',
  Name: 'gitops.converge.io/name',
} as const;
/** Human-readable owner (`<source>:<namespace>/<name>`), for `kubectl describe`. */
export const OWNER_ANNOTATION = 'gitops.converge.io/owner';

/** Kinds of source. */
export const OwnerSource = { GitRepository: 'gitrepository', Directory: 'directory' } as const;
export type OwnerSource = (typeof OwnerSource)[keyof typeof OwnerSource];

/** One source of objects. */
export interface Owner {
  readonly source: OwnerSource;
  readonly namespace: string;
  readonly name: string;
}

/** `value` if it is a valid label value, else a stable hash of it that is (names may be longer than 63). */
function labelSafe(value: string): string {
  return labelValueProblem(value) === undefined ? value : `h-${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
}

/** The labels that mark an object as applied by `owner`. */
export function ownerLabels(owner: Owner): Record<string, string> {
  return { [OwnerLabel.Source]: owner.source, [OwnerLabel.Namespace]: labelSafe(owner.namespace), [OwnerLabel.Name]: labelSafe(owner.name) };
}

/** A label selector matching exactly {@link ownerLabels}. */
export function ownerSelector(owner: Owner): string {
  return Object.entries(ownerLabels(owner))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** True when `obj` carries `owner`'s labels. */
export function isOwnedBy(obj: KubeObject, owner: Owner): boolean {
  const labels = obj.metadata.labels ?? {};
  return Object.entries(ownerLabels(owner)).every(([k, v]) => labels[k] === v);
}

/** A copy of `obj` labelled and annotated as applied by `owner`. */
export function withOwner(obj: KubeObject, owner: Owner): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata.labels = { ...(copy.metadata.labels ?? {}), ...ownerLabels(owner) };
  copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [OWNER_ANNOTATION]: `${owner.source}:${owner.namespace}/${owner.name}` };
  return copy;
}

/** The inventory entry of an object of `type`. */
export function inventoryEntry(type: ResourceType, obj: KubeObject): InventoryEntry {
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    ...(type.namespaced && obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name,
  };
}

/** Identity of an inventory entry (apiVersion, kind, namespace, name). */
export function entryKey(e: InventoryEntry): string {
  return `${e.apiVersion}/${e.kind}/${e.namespace ?? ''}/${e.name}`;
}

/** `Kind/name` or `Kind/namespace/name`, for messages. */
export function entryRef(e: InventoryEntry): string {
  return e.namespace === undefined ? `${e.kind}/${e.name}` : `${e.kind}/${e.namespace}/${e.name}`;
}
