/**
 * Whole-object validation: apiVersion, kind, metadata, spec and status together, as `converge apply`,
 * the GitOps renderer and the examples test need before sending anything to a server.
 */
import type { FieldCause } from '../src/errors/index.js';
import type { JsonObject, KubeObject, ObjectMeta } from './object.js';
import { apiVersionOf, type ResourceType } from './types.js';
import { jsonTypeOf } from './causes.js';
import { FieldReason, showValue } from './issues.js';
import { unknownMetadataFields, validateMetadata } from './metadata.js';
import { FieldValidation, parseWithCauses, validateSpec, validateStatus, type ValidateOptions, type ValidationResult } from './validate.js';

const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates `obj` as an object of `type` and returns it with spec (and status, when present) defaulted
 * and normalised. Metadata is checked, not rewritten.
 */
export function validateObject(type: ResourceType, obj: unknown, options: ValidateOptions = {}): ValidationResult<KubeObject> {
  const mode = options.unknownFields ?? FieldValidation.Strict;
  if (!isRecord(obj)) {
    return { ok: false, causes: [{ field: '', reason: FieldReason.TypeInvalid, message: `Invalid value: ${showValue(obj)}: expected object, got ${jsonTypeOf(obj)}` }] };
  }
  const causes: FieldCause[] = [];
  const warnings: string[] = [];
  const apiVersion = apiVersionOf(type);
  if (obj.apiVersion !== apiVersion) {
    causes.push({ field: 'apiVersion', reason: obj.apiVersion === undefined ? FieldReason.Required : FieldReason.NotSupported, message: obj.apiVersion === undefined ? 'Required value' : `Unsupported value: ${showValue(obj.apiVersion)}: supported values: ${showValue(apiVersion)}` });
  }
  if (obj.kind !== type.kind) {
    causes.push({ field: 'kind', reason: obj.kind === undefined ? FieldReason.Required : FieldReason.NotSupported, message: obj.kind === undefined ? 'Required value' : `Unsupported value: ${showValue(obj.kind)}: supported values: ${showValue(type.kind)}` });
  }
  causes.push(...validateMetadata(obj.metadata, { namespaced: type.namespaced, rejectUnknown: mode === FieldValidation.Strict }));
  if (mode === FieldValidation.Warn) warnings.push(...unknownMetadataFields(obj.metadata).map((k) => `unknown field "metadata.${k}"`));
  if (type.topLevel !== undefined) return validateTopLevelObject(type, type.topLevel, obj, causes, warnings, options);
  const spec = validateSpec(type, obj.spec, options);
  const status = validateStatus(type, obj.status, options);
  for (const r of [spec, status]) {
    if (r.ok) warnings.push(...r.warnings);
    else causes.push(...r.causes);
  }
  const extra = Object.keys(obj).filter((k) => !TOP_LEVEL_FIELDS.has(k));
  if (mode === FieldValidation.Strict) {
    causes.push(...extra.map((k) => ({ field: k, reason: FieldReason.Forbidden, message: `unknown field ${showValue(k)}` })));
  } else if (mode === FieldValidation.Warn) {
    warnings.push(...extra.map((k) => `unknown field ${showValue(k)}`));
  }
  if (causes.length > 0 || !spec.ok || !status.ok) return { ok: false, causes };
  const unknownMeta = new Set(unknownMetadataFields(obj.metadata));
  const metadata = Object.fromEntries(Object.entries(obj.metadata ?? {}).filter(([k]) => !unknownMeta.has(k)));
  // Validated above: metadata has ObjectMeta's field types, and zod outputs of JSON input are JSON.
  const value: KubeObject = {
    apiVersion,
    kind: type.kind,
    metadata: metadata as unknown as ObjectMeta,
    spec: spec.value as JsonObject,
  };
  if (status.value !== undefined) value.status = status.value as JsonObject;
  return { ok: true, value, warnings };
}

/**
 * Kinds without spec/status (core Secret, Event, RBAC objects) validate every field beside apiVersion, kind and
 * metadata with the kind's `topLevel` schema; the server's write strategy (e.g. Secret `stringData` folded into
 * `data`) runs on the server, so the value returned keeps the fields as written.
 */
function validateTopLevelObject(
  type: ResourceType,
  schema: NonNullable<ResourceType['topLevel']>,
  obj: Record<string, unknown>,
  causes: FieldCause[],
  warnings: string[],
  options: ValidateOptions,
): ValidationResult<KubeObject> {
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(obj)) if (field !== 'apiVersion' && field !== 'kind' && field !== 'metadata') rest[field] = value;
  const fields = parseWithCauses(schema, rest, '', { unknownFields: options.unknownFields ?? FieldValidation.Strict });
  if (!fields.ok) causes.push(...fields.causes);
  else warnings.push(...fields.warnings);
  if (causes.length > 0 || !fields.ok) return { ok: false, causes };
  const unknownMeta = new Set(unknownMetadataFields(obj.metadata));
  const metadata = Object.fromEntries(Object.entries(isRecord(obj.metadata) ? obj.metadata : {}).filter(([k]) => !unknownMeta.has(k)));
  return { ok: true, value: { ...(rest as JsonObject), apiVersion: apiVersionOf(type), kind: type.kind, metadata: metadata as unknown as ObjectMeta } as KubeObject, warnings };
}
