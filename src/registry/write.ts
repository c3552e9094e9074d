import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ManagedFieldsEntry } from '../../schemas/object.js';
import { recordUpdate } from '../apiserver/ssa/index.js';
import type { ResourceType } from '../../schemas/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../errors/index.js';
import { decodeObject, encodeObject, parseResourceVersion } from './codec.js';
import type { RegistryContext, WriteOptions } from './context.js';
import { objectKey } from './keys.js';
import { alreadyExists, modified, notFound } from './names.js';
import { failIfInvalid, prepareCreate, prepareStatusUpdate, prepareUpdate, readyToRemove } from './prepare.js';
import { cause } from './causes.js';
import { getObject } from './read.js';
import { admitCreateInNamespace } from './namespace.js';

/** Creates an object (POST). Throws 409 AlreadyExists, 422 Invalid, 400 BadRequest, 403 in a terminating namespace. */
export async function createObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  body: unknown,
  options: WriteOptions = {},
): Promise<KubeObject> {
  const obj = prepareCreate(ctx, type, namespace, body, options);
  if (options.fieldManager !== undefined) {
    setManagedFields(obj, recordUpdate({ live: undefined, updated: obj, manager: options.fieldManager, now: ctx.now() }));
  }
  await admitCreateInNamespace(ctx, type, obj);
  const key = objectKey(type, obj.metadata.namespace, obj.metadata.name);
  if (options.dryRun) {
    if ((await ctx.backend.get(key)) !== undefined) throw alreadyExists(type, obj.metadata.name);
    return obj;
  }
  try {
    const { kv } = await ctx.backend.create(key, encodeObject(obj));
    return decodeObject(kv);
  } catch (err) {
    if (isAlreadyExists(err)) throw alreadyExists(type, obj.metadata.name);
    throw err;
  }
}

/** Which part of the object an update writes. */
export type Subresource = 'main' | 'status';

/** Options of {@link updateObject}. */
export interface UpdateOptions extends WriteOptions {
  readonly subresource?: Subresource;
  /**
   * Computes the new object from the current one (PATCH). When the returned body carries a resourceVersion
   * it is a precondition; otherwise the update is retried on conflict with a fresh read.
   */
  readonly mutate?: (current: KubeObject) => unknown;
}

const MAX_PATCH_RETRIES = 8;

/**
 * Updates an object. With a plain body (PUT) `metadata.resourceVersion` is required and must match (409
 * otherwise). With `mutate` (PATCH) the current object is re-read and the patch re-applied on conflict.
 * An update that changes nothing writes nothing (resourceVersion stays), so repeated applies are no-ops.
 * Removing the last finalizer of a terminating object deletes it.
 */
export async function updateObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  options: UpdateOptions = {},
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const current = await getObject(ctx, type, namespace, name);
    const next = options.mutate ? options.mutate(current) : body;
    const precondition = resourceVersionOf(next);
    if (!options.mutate && precondition === undefined) {
      failIfInvalid(type, name, [cause.invalid('metadata.resourceVersion', 'must be specified for an update')]);
    }
    if (precondition !== undefined && precondition !== current.metadata.resourceVersion) throw modified(type, name);
    const prepared =
      options.subresource === 'status' ? prepareStatusUpdate(type, current, next, options) : prepareUpdate(type, current, next, options);
    if (unchanged(current, prepared)) return current;
    if (options.fieldManager !== undefined) {
      const subresource = options.subresource === 'status' ? 'status' : undefined;
      setManagedFields(prepared, recordUpdate({ live: current, updated: prepared, manager: options.fieldManager, now: ctx.now(), subresource }));
    }
    if (options.dryRun) return { ...prepared, metadata: { ...prepared.metadata, resourceVersion: current.metadata.resourceVersion ?? '' } };
    try {
      return await writeUpdate(ctx, type, current, prepared);
    } catch (err) {
      const retry = options.mutate !== undefined && precondition === undefined && attempt < MAX_PATCH_RETRIES;
      if (isConflict(err) && retry) continue;
      throw err;
    }
  }
}

/** Stores the computed managedFields, or none when tracking is off for this object. */
function setManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[]): void {
  if (entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

function resourceVersionOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const meta = (body as { metadata?: { resourceVersion?: unknown } }).metadata;
  const rv = meta?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

function unchanged(current: KubeObject, next: KubeObject): boolean {
  const { resourceVersion: _a, ...a } = current.metadata;
  const { resourceVersion: _b, ...b } = next.metadata;
  // Whole bodies, not just spec/status: core kinds such as Event keep their fields at the top level.
  return isDeepStrictEqual({ ...current, metadata: a }, { ...next, metadata: b });
}

async function writeUpdate(
  ctx: RegistryContext,
  type: ResourceType,
  current: KubeObject,
  next: KubeObject,
): Promise<KubeObject> {
  const key = objectKey(type, current.metadata.namespace, current.metadata.name);
  const expected = parseResourceVersion(current.metadata.resourceVersion) ?? 0;
  try {
    if (readyToRemove(next)) {
      const { kv } = await ctx.backend.delete(key, expected);
      return { ...next, metadata: { ...next.metadata, resourceVersion: String(kv.modRevision) } };
    }
    const { kv } = await ctx.backend.update(key, encodeObject(next), expected);
    return decodeObject(kv);
  } catch (err) {
    if (isConflict(err)) throw modified(type, current.metadata.name);
    if (isNotFound(err)) throw notFound(type, current.metadata.name);
    throw err;
  }
}
