import { isDeepStrictEqual } from 'node:util';
import { BadRequestError, InvalidError, type FieldCause } from '../errors/index.js';
import type { JsonObject, KubeObject, ObjectMeta } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import { validateMetadata } from '../../schemas/metadata.js';
import { checkUpdate, parseWithCauses, validateSpec, validateStatus } from '../../schemas/validate.js';
import { cause } from './causes.js';
import { strategyFor } from './strategy.js';
import { heldBySpecFinalizers, isNamespaceType, namespaceUpdateCauses, prepareNamespaceCreate, terminatingNamespace } from './namespace.js';
import { rfc3339, type RegistryContext, type WriteOptions } from './context.js';

const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const ENVELOPE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Throws `InvalidError` (422) listing every cause, with the kind and name in the details. */
export function failIfInvalid(type: ResourceType, name: string | undefined, causes: readonly FieldCause[]): void {
  if (causes.length === 0) return;
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  throw new InvalidError(`${type.kind}${name ? ` "${name}"` : ''} is invalid: ${summary}`, {
    causes,
    kind: type.kind,
    ...(name ? { name } : {}),
  });
}

/** Checks that a decoded body is an object of this kind (apiVersion, kind, known top-level fields). */
export function checkEnvelope(type: ResourceType, body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(`request body must be a ${type.kind} object`);
  }
  const obj = body as Record<string, unknown>;
  const causes: FieldCause[] = [];
  const apiVersion = apiVersionOf(type);
  if (obj['apiVersion'] === undefined) causes.push(cause.required('apiVersion'));
  else if (obj['apiVersion'] !== apiVersion) {
    causes.push(cause.invalid('apiVersion', `expected "${apiVersion}", got ${JSON.stringify(obj['apiVersion'])}`));
  }
  if (obj['kind'] === undefined) causes.push(cause.required('kind'));
  else if (obj['kind'] !== type.kind) {
    causes.push(cause.invalid('kind', `expected "${type.kind}", got ${JSON.stringify(obj['kind'])}`));
  }
  // Kinds with a top-level schema (core Event) have their other fields checked by that schema instead.
  if (type.topLevel === undefined) {
    for (const field of Object.keys(obj)) if (!TOP_LEVEL_FIELDS.has(field)) causes.push(cause.unknown(field));
  }
  const meta = obj['metadata'];
  if (meta === undefined) causes.push(cause.required('metadata'));
  else if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    causes.push(cause.invalid('metadata', 'expected object'));
  }
  const name = typeof (meta as ObjectMeta | undefined)?.name === 'string' ? (meta as ObjectMeta).name : undefined;
  failIfInvalid(type, name, causes);
  return obj as KubeObject;
}

type Validation = Pick<WriteOptions, 'unknownFields' | 'warn'>;

function validated(
  type: ResourceType,
  name: string,
  result: ReturnType<typeof validateSpec>,
  options: Validation,
): JsonObject {
  if (!result.ok) failIfInvalid(type, name, result.causes);
  const ok = result as { value: JsonObject; warnings: readonly string[] };
  for (const w of ok.warnings) options.warn?.(w);
  return ok.value;
}

/** Validates and defaults `spec`; throws 422 naming each bad field. */
function validatedSpec(type: ResourceType, obj: KubeObject, options: Validation): JsonObject {
  const result = validateSpec(type, obj.spec ?? {}, { unknownFields: options.unknownFields ?? 'Strict' });
  return validated(type, obj.metadata.name, result, options);
}

/** Validates `status` when present; throws 422 naming each bad field. */
function validatedStatus(type: ResourceType, obj: KubeObject, options: Validation): JsonObject | undefined {
  if (obj.status === undefined) return undefined;
  const result = validateStatus(type, obj.status, { unknownFields: options.unknownFields ?? 'Strict' });
  return validated(type, obj.metadata.name, result, options);
}

/**
 * The validated, defaulted top-level fields (all but apiVersion/kind/metadata) of a kind with `topLevel`, after
 * the kind's write strategy (e.g. Secret `stringData` folded into `data`); `old` is the stored object on updates.
 */
function validatedTopLevel(
  type: ResourceType,
  schema: NonNullable<ResourceType['topLevel']>,
  obj: KubeObject,
  old: KubeObject | undefined,
  options: Validation,
): JsonObject {
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(obj)) if (!ENVELOPE_FIELDS.has(field)) rest[field] = value;
  const result = parseWithCauses(schema, rest, '', { unknownFields: options.unknownFields ?? 'Strict' });
  const fields = validated(type, obj.metadata.name, result as ReturnType<typeof validateSpec>, options);
  const strategy = strategyFor(type);
  if (strategy === undefined) return fields;
  const prepared = strategy.prepare(fields, { metadata: obj.metadata, old });
  failIfInvalid(type, obj.metadata.name, prepared.causes);
  return prepared.fields;
}

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return out;
}

/** Rejects metadata the request cannot set and checks the name/namespace against the URL. */
function checkMetadata(type: ResourceType, meta: ObjectMeta, namespace: string | undefined): void {
  const causes = validateMetadata(meta, { namespaced: type.namespaced });
  if (type.namespaced && meta.namespace !== undefined && meta.namespace !== namespace) {
    throw new BadRequestError(
      `the namespace of the provided object (${meta.namespace}) does not match the namespace sent on the request (${namespace})`,
    );
  }
  failIfInvalid(type, meta.name, causes);
}

/**
 * Builds the object to store for a create: validates everything, applies defaults, sets the server-owned
 * metadata (uid, creationTimestamp, generation 1) and drops what clients cannot set (status — written only via
 * the status subresource — deletionTimestamp, resourceVersion).
 */
export function prepareCreate(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  body: unknown,
  options: Validation = {},
): KubeObject {
  const obj = checkEnvelope(type, body);
  const meta: ObjectMeta = { ...obj.metadata };
  if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName) {
    meta.name = `${meta.generateName}${randomSuffix()}`;
  }
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
    failIfInvalid(type, meta.name, [
      cause.invalid('metadata.resourceVersion', 'resourceVersion should not be set on objects to be created'),
    ]);
  }
  if (type.namespaced) meta.namespace = meta.namespace ?? namespace;
  else delete meta.namespace;
  checkMetadata(type, meta, namespace);
  if (type.topLevel !== undefined) {
    const fields = validatedTopLevel(type, type.topLevel, { ...obj, metadata: meta }, undefined, options);
    clearClientMetadata(meta);
    meta.uid = ctx.newUid();
    meta.creationTimestamp = rfc3339(ctx.now());
    delete meta.generation;
    return { apiVersion: apiVersionOf(type), kind: type.kind, metadata: meta, ...fields };
  }
  const spec = validatedSpec(type, { ...obj, metadata: meta }, options);
  clearClientMetadata(meta);
  meta.uid = ctx.newUid();
  meta.creationTimestamp = rfc3339(ctx.now());
  meta.generation = 1;
  const created: KubeObject = { apiVersion: apiVersionOf(type), kind: type.kind, metadata: meta, spec };
  if (isNamespaceType(type)) failIfInvalid(type, meta.name, prepareNamespaceCreate(created));
  return created;
}

/** Drops metadata a create request cannot set. */
function clearClientMetadata(meta: ObjectMeta): void {
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
}

/** Metadata fields only the server may change; an update always keeps the stored values. */
function keepServerMetadata(old: ObjectMeta, next: ObjectMeta): ObjectMeta {
  const meta: ObjectMeta = { ...next, name: old.name, uid: old.uid ?? '' };
  if (old.namespace !== undefined) meta.namespace = old.namespace;
  if (old.creationTimestamp !== undefined) meta.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp !== undefined) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  meta.generation = old.generation ?? 1;
  delete meta.resourceVersion;
  return meta;
}

/** Checks name/uid/namespace of an update body against the stored object. */
function checkIdentity(type: ResourceType, old: KubeObject, next: KubeObject): void {
  const causes: FieldCause[] = [];
  if (next.metadata.name !== undefined && next.metadata.name !== old.metadata.name) {
    throw new BadRequestError(
      `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${old.metadata.name})`,
    );
  }
  if (next.metadata.uid !== undefined && next.metadata.uid !== '' && next.metadata.uid !== old.metadata.uid) {
    causes.push(cause.invalid('metadata.uid', 'field is immutable'));
  }
  if (type.namespaced && next.metadata.namespace !== undefined && next.metadata.namespace !== old.metadata.namespace) {
    throw new BadRequestError(
      `the namespace of the provided object (${next.metadata.namespace}) does not match the namespace sent on the request (${String(old.metadata.namespace)})`,
    );
  }
  failIfInvalid(type, old.metadata.name, causes);
}

/** Refuses new finalizers on an object that is being deleted (Kubernetes forbids this too). */
function checkFinalizersWhileDeleting(type: ResourceType, old: ObjectMeta, next: ObjectMeta): void {
  if (old.deletionTimestamp === undefined) return;
  const before = new Set(old.finalizers ?? []);
  const added = (next.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length > 0) {
    failIfInvalid(type, old.name, [
      cause.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`),
    ]);
  }
}

/**
 * Builds the object to store for an update of the main resource: spec and metadata from the request, status
 * and server-owned metadata from the stored object. `generation` bumps only when spec changed.
 */
export function prepareUpdate(type: ResourceType, old: KubeObject, body: unknown, options: Validation = {}): KubeObject {
  const next = checkEnvelope(type, body);
  checkIdentity(type, old, next);
  const meta = keepServerMetadata(old.metadata, next.metadata);
  const metaCauses = validateMetadata(meta, { namespaced: type.namespaced });
  failIfInvalid(type, old.metadata.name, metaCauses);
  checkFinalizersWhileDeleting(type, old.metadata, meta);
  if (type.topLevel !== undefined) {
    if (old.metadata.generation === undefined) delete meta.generation;
    const fields = validatedTopLevel(type, type.topLevel, { ...next, metadata: meta }, old, options);
    return { apiVersion: old.apiVersion, kind: old.kind, metadata: meta, ...fields };
  }
  const spec = validatedSpec(type, { ...next, metadata: meta }, options);
  failIfInvalid(type, old.metadata.name, checkUpdate(type, old.spec ?? {}, spec));
  if (!isDeepStrictEqual(old.spec ?? {}, spec)) meta.generation = (old.metadata.generation ?? 1) + 1;
  const result: KubeObject = { apiVersion: old.apiVersion, kind: old.kind, metadata: meta, spec };
  if (old.status !== undefined) result.status = old.status;
  if (isNamespaceType(type)) failIfInvalid(type, old.metadata.name, namespaceUpdateCauses(old, result));
  return result;
}

/**
 * Builds the object to store for an update of the status subresource: only `status` comes from the request
 * (and `managedFields`); everything else is the stored object, as kube-apiserver does for custom resources.
 */
export function prepareStatusUpdate(type: ResourceType, old: KubeObject, body: unknown, options: Validation = {}): KubeObject {
  const next = checkEnvelope(type, body);
  checkIdentity(type, old, next);
  const status = validatedStatus(type, { ...next, metadata: old.metadata }, options);
  const meta: ObjectMeta = { ...old.metadata };
  if (next.metadata.managedFields !== undefined) meta.managedFields = next.metadata.managedFields;
  const result: KubeObject = { apiVersion: old.apiVersion, kind: old.kind, metadata: meta };
  if (old.spec !== undefined) result.spec = old.spec;
  if (status !== undefined) result.status = status;
  // A terminating namespace stays Terminating whatever a status write says: admission relies on the phase.
  if (isNamespaceType(type) && meta.deletionTimestamp !== undefined) return terminatingNamespace(result);
  return result;
}

/** True when a stored object is terminating and no finalizer holds it any more: it must now be removed. */
export function readyToRemove(obj: KubeObject): boolean {
  // A Namespace is also held by its spec.finalizers (the namespace controller's `kubernetes`).
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0 && !heldBySpecFinalizers(obj);
}
