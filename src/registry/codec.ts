import type { KeyValue } from '../store/types.js';
import type { KubeObject } from '../../schemas/object.js';

/**
 * Serialises an object for storage. `resourceVersion` is never stored: it is the key's modRevision, filled in
 * on every read, exactly as kube-apiserver does with etcd.
 *
 * Seam for encryption at rest (issue #8): every stored value passes through this function and
 * {@link decodeObject}, so a value transformer chosen by key prefix (e.g. `/registry/secrets/`, kube's
 * EncryptionConfiguration) wraps these two and nothing else. Until then Secrets are stored as plain base64.
 */
export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _dropped, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

/** Parses a stored value and stamps `metadata.resourceVersion` from the key's modRevision. */
export function decodeObject(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/** Parses a `resourceVersion` string into a store revision; undefined for empty input. */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d{1,15}$/.test(rv)) return Number.NaN;
  return Number(rv);
}

/** A deep copy of a stored object without its resourceVersion, as the base a patch or apply is computed on. */
export function withoutResourceVersion(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return structuredClone({ ...obj, metadata });
}
