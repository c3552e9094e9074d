/** Realistic Instance objects and helpers shared by the server-side apply tests. */
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../../../schemas/object.js';
import { recordUpdate, serverSideApply, type ApplyOptions } from '../../../src/apiserver/ssa/index.js';

export const API_VERSION = 'converge.io/v1alpha1';
export const T0 = new Date('2024-05-01T10:00:00.250Z');
export const T1 = new Date('2024-05-01T11:30:00Z');
export const T2 = new Date('2024-05-02T08:00:00Z');

/** An Instance configuration as a user would apply it. */
export function instance(spec: JsonObject, meta: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] } = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Instance',
    metadata: { name: 'web-1', namespace: 'default', ...meta },
    spec,
  };
}

/** The spec most tests start from. */
export const baseSpec: JsonObject = {
  providerRef: { name: 'default' },
  image: 'debian-12',
  vcpus: 2,
  memoryMiB: 2048,
  networks: [{ networkRef: { name: 'web' } }],
};

/** Adds the metadata the registry would set on a stored object. */
export function stored(obj: KubeObject, rv = '7'): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      uid: '6f1c1c0e-1d1c-4c7a-9a57-3c1f9d1e0a11',
      resourceVersion: rv,
      generation: 1,
      creationTimestamp: '2024-05-01T10:00:00Z',
    },
  };
}

/** Applies and returns the stored result (server metadata added on create). */
export function apply(opts: Omit<ApplyOptions, 'force' | 'now'> & { force?: boolean; now?: Date }): KubeObject {
  const r = serverSideApply({ force: false, now: T0, ...opts });
  return opts.live === undefined ? stored(r.object) : r.object;
}

/** The managedFields entry of `manager` (optionally of one operation). */
export function entryOf(obj: KubeObject, manager: string, operation?: 'Apply' | 'Update'): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager && (operation === undefined || e.operation === operation));
}

/** Managers of an object in managedFields order, as `name/operation`. */
export const managersOf = (obj: KubeObject): string[] =>
  (obj.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);

/**
 * A non-apply write as the API server performs it: the handler computes `updated` (PUT body, patched
 * object) and stores it with the managedFields `recordUpdate` returns.
 */
export function write(live: KubeObject | undefined, updated: KubeObject, manager: string, now: Date = T0, subresource?: 'status'): KubeObject {
  const managedFields = recordUpdate({ live, updated, manager, now, subresource });
  const { managedFields: _previous, ...metadata } = updated.metadata;
  const obj: KubeObject = { ...updated, metadata: managedFields.length > 0 ? { ...metadata, managedFields } : metadata };
  return live === undefined ? stored(obj) : obj;
}

/** `obj` with its spec shallowly changed. */
export const withSpec = (obj: KubeObject, spec: JsonObject): KubeObject => ({ ...obj, spec: { ...obj.spec, ...spec } });
