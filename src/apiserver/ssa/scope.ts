/**
 * Which part of an object a write manages. Writes to the main resource manage `metadata.labels`,
 * `annotations`, `finalizers`, `ownerReferences` and the body (`spec`, or every top-level field of a core
 * kind without spec/status such as Secret); writes to the status subresource manage
 * `status`. The engine works on a "view" holding only those parts (plus apiVersion, kind, name and
 * namespace, which SMD sees too but which are stripped from every manager's set, as kube does), so
 * the rest of the object (server-owned metadata, the other half of spec/status) is never touched.
 */
import type { JsonObject, JsonValue, KubeObject } from '../../../schemas/object.js';
import { FieldSet } from './fieldset.js';
import { isJsonObject, toJson } from './json.js';
import { fieldPath } from './path.js';

/** The subresource a write goes through: the main resource or `status`. */
export type Subresource = 'status' | undefined;

/** Metadata fields managed by main-resource writes. */
export const MANAGED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

/** Paths never recorded in managedFields (kube's stripMetaManager). */
export const STRIPPED_FIELDS: FieldSet = FieldSet.of([
  fieldPath('apiVersion'),
  fieldPath('kind'),
  fieldPath('metadata'),
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => fieldPath('metadata', f),
  ),
]);

/** Top-level fields that are never part of a write's body: the envelope, and `status` for main-resource writes. */
const NOT_BODY = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * The top-level body fields of `obj` a write manages: `status` for the status subresource; otherwise every
 * top-level field but the envelope and `status` — `spec` for Converge kinds, and the top-level fields of core
 * kinds that have no spec (Secret `data`/`stringData`/`type`, Event fields), as kube-apiserver manages them.
 */
function bodyFields(obj: Record<string, unknown>, subresource: Subresource): string[] {
  if (subresource === 'status') return ['status'];
  return Object.keys(obj).filter((f) => !NOT_BODY.has(f) && f !== 'status');
}

/**
 * The managed view of `obj` (any JSON object shaped like a Kubernetes object: a stored object, an
 * applied configuration, a last-applied annotation). `undefined` gives the view of a not yet existing
 * object of the given type: just apiVersion and kind.
 */
export function viewOf(obj: KubeObject | JsonObject | undefined, subresource: Subresource, type?: { apiVersion: string; kind: string }): JsonObject {
  const json = obj === undefined ? {} : toJson(obj);
  const src: JsonObject = isJsonObject(json) ? json : {};
  const out: JsonObject = {};
  const apiVersion = src['apiVersion'] ?? type?.apiVersion;
  const kind = src['kind'] ?? type?.kind;
  if (apiVersion !== undefined) out['apiVersion'] = apiVersion;
  if (kind !== undefined) out['kind'] = kind;
  const meta = src['metadata'];
  if (isJsonObject(meta)) {
    const m: JsonObject = {};
    const names = subresource === 'status' ? [] : MANAGED_METADATA;
    for (const f of ['name', 'namespace', ...names]) if (meta[f] !== undefined) m[f] = meta[f];
    out['metadata'] = m;
  }
  for (const f of bodyFields(src, subresource)) if (src[f] !== undefined) out[f] = src[f];
  return out;
}

/**
 * `base` with its managed parts replaced by those of `view` (absent in the view = removed). The
 * result is unvalidated: the caller validates the object before writing it.
 */
export function withView(base: KubeObject, view: JsonValue, subresource: Subresource): KubeObject {
  const v = isJsonObject(view) ? view : {};
  // The view came from JSON a client sent; its shape is checked by the caller's validation.
  const out = { ...base, metadata: { ...base.metadata } } as unknown as Record<string, JsonValue | undefined> & {
    metadata: Record<string, JsonValue | undefined>;
  };
  if (subresource !== 'status') {
    const vm = isJsonObject(v['metadata']) ? v['metadata'] : {};
    for (const f of MANAGED_METADATA) {
      if (vm[f] === undefined) delete out.metadata[f];
      else out.metadata[f] = vm[f];
    }
  }
  for (const f of bodyFields(out, subresource)) if (v[f] === undefined) delete out[f];
  for (const f of bodyFields(v, subresource)) if (v[f] !== undefined) out[f] = v[f];
  return out as unknown as KubeObject;
}
