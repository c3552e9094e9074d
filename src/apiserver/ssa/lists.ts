/**
 * How each list and map of a Converge kind merges under server-side apply: the information that
 * Kubernetes reads from `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type` in a CRD schema. Kept here as a small table per kind until it moves into
 * schema metadata.
 *
 * Decisions (everything not listed is an atomic list: replaced wholesale and owned as one field):
 * - `metadata.finalizers`: set; `metadata.ownerReferences`: map keyed by `uid` (as ObjectMeta).
 * - `status.conditions`: map keyed by `type` (as `metav1.Condition` lists).
 * - `spec.driftOverrides`: map keyed by `path` (validated unique per object).
 * - Instance `spec.volumes` / `spec.networks`: maps keyed by `volumeRef` / `networkRef`. The key is
 *   the whole reference object, whose only field is `name`, so items are identified by
 *   `volumeRef.name` / `networkRef.name` and serialised `k:{"networkRef":{"name":"web"}}`.
 * - Instance `spec.sshKeys`: set (order is irrelevant to sshd; several managers may each add keys).
 * - Bucket `spec.lifecycle`: map keyed by `id` (validated unique).
 * - Pool `spec.cidrs`: atomic. The prefixes are one decision checked as a whole (no overlaps) and
 *   their order is the allocation preference, so one manager owns the list.
 * - Maps with arbitrary keys (`metadata.labels`, `metadata.annotations`, Bucket `spec.tags`,
 *   ProviderConfig `spec.options`) are granular: each entry is owned separately.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { BadRequestError } from '../../errors/index.js';
import { isJsonObject } from './json.js';
import { key, renderPath, value, type Path, type PathElement } from './path.js';

/** How a list merges: replaced wholesale, unioned as a set of scalars, or merged item by item by key. */
export type ListType =
  | { readonly type: 'atomic' }
  | { readonly type: 'set' }
  | { readonly type: 'map'; readonly keys: readonly string[] };

/** An atomic list (the default). */
export const atomicList: ListType = { type: 'atomic' };
/** A set of scalars. */
export const setList: ListType = { type: 'set' };
/** An associative list identified by the given item fields. */
export const mapList = (...keys: string[]): ListType => ({ type: 'map', keys });

/**
 * Schema facts the engine needs. `typePath` is the path of field names from the root, list items
 * skipped: `['spec', 'networks', 'networkRef']` for `spec.networks[*].networkRef`.
 */
export interface FieldSchema {
  /** Merge semantics of the list at `typePath`. */
  listType(typePath: readonly string[]): ListType;
  /** True when the object at `typePath` has arbitrary keys (labels) rather than declared fields. */
  isFreeMap(typePath: readonly string[]): boolean;
}

type Table = Readonly<Record<string, ListType>>;

const commonLists: Table = {
  'metadata.finalizers': setList,
  'metadata.ownerReferences': mapList('uid'),
  'status.conditions': mapList('type'),
  'spec.driftOverrides': mapList('path'),
};

const kindLists: Readonly<Record<string, Table>> = {
  Instance: {
    'spec.volumes': mapList('volumeRef'),
    'spec.networks': mapList('networkRef'),
    'spec.sshKeys': setList,
  },
  Bucket: { 'spec.lifecycle': mapList('id') },
  Pool: { 'spec.cidrs': atomicList },
};

const commonFreeMaps: readonly string[] = ['metadata.labels', 'metadata.annotations'];
const kindFreeMaps: Readonly<Record<string, readonly string[]>> = {
  Bucket: ['spec.tags'],
  ProviderConfig: ['spec.options'],
};

const dotted = (path: string | readonly string[]): string => (typeof path === 'string' ? path : path.join('.'));

/** Merge semantics of the list at `path` (dotted, e.g. `spec.networks`) of `kind`; atomic when unlisted. */
export function listTypeAt(kind: string, path: string | readonly string[]): ListType {
  const p = dotted(path);
  return kindLists[kind]?.[p] ?? commonLists[p] ?? atomicList;
}

/** True when the object at `path` of `kind` is a map with arbitrary keys (labels, tags). */
export function isFreeMapAt(kind: string, path: string | readonly string[]): boolean {
  const p = dotted(path);
  return commonFreeMaps.includes(p) || (kindFreeMaps[kind]?.includes(p) ?? false);
}

/** The {@link FieldSchema} of `kind`. Unknown kinds get the common table only. */
export function fieldSchemaFor(kind: string): FieldSchema {
  return {
    listType: (typePath) => listTypeAt(kind, typePath),
    isFreeMap: (typePath) => isFreeMapAt(kind, typePath),
  };
}

/**
 * The identity of one item of a non-atomic list (SMD's `listItemToPathElement`). Throws
 * {@link BadRequestError} for items that cannot be identified: a keyed item that is not an object or
 * lacks a key field, or a set item that is an object or a list.
 */
export function listItemElement(list: ListType, item: JsonValue, path: Path, i: number): PathElement {
  const where = `${renderPath(path)}: element ${i}`;
  if (list.type === 'map') {
    if (!isJsonObject(item)) throw new BadRequestError(`${where}: associative list with keys may not have non-map elements`);
    const fields: JsonObject = {};
    for (const k of list.keys) {
      const v = item[k];
      if (v === undefined) {
        throw new BadRequestError(`${where}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`);
      }
      fields[k] = v;
    }
    return key(fields);
  }
  if (isJsonObject(item)) throw new BadRequestError(`${where}: associative list without keys has an element that's a map type`);
  if (Array.isArray(item)) throw new BadRequestError(`${where}: not supported: associative list with lists as elements`);
  return value(item);
}
