/**
 * A generic driver over the SIMULATED cloud: each kind lists the spec fields it compares with the stored
 * record, how to build the record on create and how to present it as observed state. Observe reports the
 * differing fields; update writes only the fields it is given.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, KubeObject } from '../../../schemas/object.js';
import type { DiffEntry, ExternalClient, Observation } from '../types.js';
import { externalNameOf } from '../types.js';
import type { SimCloud, SimKind, SimRecord } from './cloud.js';

/** One compared field: spec `path`, the record key holding it, and the desired value for a spec. */
export interface SimField {
  readonly path: string;
  readonly key: string;
  desired(spec: JsonObject): unknown;
}

/** What a kind tells the generic sim driver. */
export interface SimKindSpec {
  readonly kind: SimKind;
  /** External-name prefix, e.g. `cv` for volumes. */
  readonly prefix: string;
  readonly fields: readonly SimField[];
  /** The record to store on create (beyond the compared fields); may consult other simulated resources. */
  build(obj: KubeObject, cloud: SimCloud, externalName: string): SimRecord;
  /** The observed state reported to the reconciler (becomes kind-specific status). */
  observed(record: SimRecord, externalName: string): Record<string, unknown>;
  /** Cleanup of other simulated resources before the record goes (e.g. detach volumes). */
  beforeDelete?(record: SimRecord, cloud: SimCloud): void;
}

/** `ns/name` of an object: how simulated records remember which object they belong to. */
export function refOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** The fields of `record` that differ from `obj`'s spec. */
export function diffRecord(spec: SimKindSpec, obj: KubeObject, record: SimRecord): DiffEntry[] {
  const desiredSpec = obj.spec ?? {};
  const diff: DiffEntry[] = [];
  for (const field of spec.fields) {
    const desired = field.desired(desiredSpec);
    const observed = record[field.key];
    if (!isDeepStrictEqual(desired ?? null, observed ?? null)) {
      diff.push({ path: field.path, ...(desired !== undefined ? { desired } : {}), ...(observed !== undefined ? { observed } : {}) });
    }
  }
  return diff;
}

function desiredRecord(spec: SimKindSpec, obj: KubeObject): SimRecord {
  const record: SimRecord = {};
  for (const field of spec.fields) {
    const value = field.desired(obj.spec ?? {});
    if (value !== undefined) record[field.key] = value;
  }
  return record;
}

/** An {@link ExternalClient} for one kind over `cloud`. */
export function simClient(spec: SimKindSpec, cloud: SimCloud): ExternalClient {
  return {
    async observe(obj, signal): Promise<Observation<Record<string, unknown>>> {
      const name = externalNameOf(obj, spec.prefix);
      const record = await cloud.get(spec.kind, name, signal);
      if (record === undefined) return { exists: false, upToDate: false, diff: [] };
      const diff = diffRecord(spec, obj, record);
      return { exists: true, upToDate: diff.length === 0, observed: spec.observed(record, name), diff };
    },
    async create(obj, signal) {
      const name = externalNameOf(obj, spec.prefix);
      const record = { ...spec.build(obj, cloud, name), ...desiredRecord(spec, obj), ref: refOf(obj.metadata.namespace, obj.metadata.name) };
      await cloud.create(spec.kind, name, record, signal);
      return { externalName: name };
    },
    async update(obj, diff, signal) {
      const name = externalNameOf(obj, spec.prefix);
      const wanted = new Set(diff.map((d) => d.path));
      const patch: SimRecord = {};
      for (const field of spec.fields) if (wanted.has(field.path)) patch[field.key] = field.desired(obj.spec ?? {}) ?? null;
      await cloud.update(spec.kind, name, patch, signal);
    },
    async delete(obj, signal) {
      const name = externalNameOf(obj, spec.prefix);
      const record = cloud.peek(spec.kind, name);
      if (record !== undefined) spec.beforeDelete?.(record, cloud);
      await cloud.delete(spec.kind, name, signal);
    },
  };
}

/** `spec[key]`, or undefined. */
export function specValue(spec: JsonObject, key: string): unknown {
  return spec[key];
}
