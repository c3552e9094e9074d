import type { ResourceType } from '../../schemas/types.js';

/**
 * Store keys, exactly like kube-apiserver lays out etcd: `/registry/<group>/<plural>/<namespace>/<name>` for
 * namespaced kinds and `/registry/<group>/<plural>/<name>` for cluster-scoped ones. The core group is `core`.
 */
export function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${collectionPrefix(type, namespace)}${name}` : `${collectionPrefix(type)}${name}`;
}

/**
 * Prefix of every key of a kind, or of a kind within one namespace. Always ends in `/` so that a range over
 * `instances/a/` never matches namespace `ab`.
 */
export function collectionPrefix(type: ResourceType, namespace?: string): string {
  const base = `/registry/${type.group === '' ? 'core' : type.group}/${type.plural}/`;
  return type.namespaced && namespace !== undefined ? `${base}${namespace}/` : base;
}
