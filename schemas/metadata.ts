/**
 * Validation of `metadata` (Kubernetes `ObjectMeta` rules): names, namespace, labels, annotations,
 * finalizers, owner references and the types of the server-owned fields.
 */
import type { FieldCause } from '../src/errors/index.js';
import { formatPath, jsonTypeOf } from './causes.js';
import { FieldReason, showValue } from './issues.js';
import { dns1123LabelProblem, dns1123SubdomainProblem, labelValueProblem, qualifiedNameProblem } from './names.js';

/** Largest total size of all annotation keys and values, in bytes (as Kubernetes). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Options for {@link validateMetadata}. */
export interface MetadataOptions {
  /** Namespaced kinds need `metadata.namespace`; cluster-scoped kinds ignore it. */
  readonly namespaced: boolean;
  /** Report fields ObjectMeta does not have as causes (default true, as with `fieldValidation=Strict`). */
  readonly rejectUnknown?: boolean;
}

/** Fields of ObjectMeta; anything else is unknown. */
const KNOWN_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers',
  'ownerReferences', 'managedFields', 'selfLink',
]);

type Report = (path: readonly (string | number)[], reason: string, message: string) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeMessage(value: unknown, expected: string): string {
  return `Invalid value: ${showValue(value)}: expected ${expected}, got ${jsonTypeOf(value)}`;
}

/** Names of top-level metadata fields that ObjectMeta does not define (for `Warn` field validation). */
export function unknownMetadataFields(meta: unknown): string[] {
  return isRecord(meta) ? Object.keys(meta).filter((k) => !KNOWN_FIELDS.has(k)) : [];
}

/**
 * Every problem with `meta` as the metadata of an object being written. Server-owned fields (uid,
 * resourceVersion, timestamps) are only type-checked: the registry overwrites them.
 */
export function validateMetadata(meta: unknown, opts: MetadataOptions): FieldCause[] {
  const causes: FieldCause[] = [];
  const report: Report = (path, reason, message) => causes.push({ field: formatPath('metadata', path), reason, message });
  if (!isRecord(meta)) {
    report([], meta === undefined ? FieldReason.Required : FieldReason.TypeInvalid, meta === undefined ? 'Required value' : typeMessage(meta, 'object'));
    return causes;
  }
  checkNames(meta, opts, report);
  checkScalars(meta, report);
  checkStringMap(meta, 'labels', report, (key, value) => {
    const kp = qualifiedNameProblem(key);
    if (kp !== undefined) report(['labels', key], FieldReason.Invalid, `Invalid value: ${showValue(key)}: label key ${kp}`);
    const vp = labelValueProblem(value);
    if (vp !== undefined) report(['labels', key], FieldReason.Invalid, `Invalid value: ${showValue(value)}: label value ${vp}`);
  });
  let annotationBytes = 0;
  checkStringMap(meta, 'annotations', report, (key, value) => {
    const kp = qualifiedNameProblem(key.toLowerCase());
    if (kp !== undefined) report(['annotations', key], FieldReason.Invalid, `Invalid value: ${showValue(key)}: annotation key ${kp}`);
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  });
  if (annotationBytes > MAX_ANNOTATIONS_BYTES) {
    report(['annotations'], FieldReason.TooLong, `Too long: annotations total ${annotationBytes} bytes: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`);
  }
  checkFinalizers(meta.finalizers, report);
  checkOwnerReferences(meta.ownerReferences, report);
  checkManagedFields(meta.managedFields, report);
  if (opts.rejectUnknown ?? true) {
    for (const key of unknownMetadataFields(meta)) report([key], FieldReason.Forbidden, `unknown field ${showValue(key)}`);
  }
  return causes;
}

function checkNames(meta: Record<string, unknown>, opts: MetadataOptions, report: Report): void {
  const { name, generateName, namespace } = meta;
  if (generateName !== undefined && typeof generateName !== 'string') {
    report(['generateName'], FieldReason.TypeInvalid, typeMessage(generateName, 'string'));
  }
  if (name === undefined || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      report(['name'], FieldReason.Required, 'Required value: name or generateName is required');
    }
  } else if (typeof name !== 'string') {
    report(['name'], FieldReason.TypeInvalid, typeMessage(name, 'string'));
  } else {
    const p = dns1123SubdomainProblem(name);
    if (p !== undefined) report(['name'], FieldReason.Invalid, `Invalid value: ${showValue(name)}: ${p}`);
  }
  if (typeof generateName === 'string' && generateName !== '') {
    // generateName is a prefix: a random suffix follows, so a trailing '-' is fine.
    const p = dns1123SubdomainProblem(generateName.replace(/-+$/, '') || 'a');
    if (p !== undefined) report(['generateName'], FieldReason.Invalid, `Invalid value: ${showValue(generateName)}: ${p}`);
  }
  if (!opts.namespaced) {
    if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
      report(['namespace'], FieldReason.TypeInvalid, typeMessage(namespace, 'string'));
    }
    return;
  }
  if (namespace === undefined || namespace === '' || namespace === null) {
    report(['namespace'], FieldReason.Required, 'Required value');
  } else if (typeof namespace !== 'string') {
    report(['namespace'], FieldReason.TypeInvalid, typeMessage(namespace, 'string'));
  } else {
    const p = dns1123LabelProblem(namespace);
    if (p !== undefined) report(['namespace'], FieldReason.Invalid, `Invalid value: ${showValue(namespace)}: ${p}`);
  }
}

function checkScalars(meta: Record<string, unknown>, report: Report): void {
  for (const key of ['uid', 'resourceVersion', 'selfLink'] as const) {
    const v = meta[key];
    if (v !== undefined && v !== null && typeof v !== 'string') report([key], FieldReason.TypeInvalid, typeMessage(v, 'string'));
  }
  for (const key of ['creationTimestamp', 'deletionTimestamp'] as const) {
    const v = meta[key];
    // kubectl sends `creationTimestamp: null` for objects it generated.
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') report([key], FieldReason.TypeInvalid, typeMessage(v, 'string'));
    else if (Number.isNaN(Date.parse(v))) report([key], FieldReason.Invalid, `Invalid value: ${showValue(v)}: must be an RFC 3339 timestamp`);
  }
  for (const key of ['generation', 'deletionGracePeriodSeconds'] as const) {
    const v = meta[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) report([key], FieldReason.TypeInvalid, typeMessage(v, 'integer'));
    else if (v < 0) report([key], FieldReason.Invalid, `Invalid value: ${v}: must be at least 0`);
  }
}

function checkStringMap(
  meta: Record<string, unknown>,
  key: 'labels' | 'annotations',
  report: Report,
  each: (key: string, value: string) => void,
): void {
  const map = meta[key];
  if (map === undefined || map === null) return;
  if (!isRecord(map)) {
    report([key], FieldReason.TypeInvalid, typeMessage(map, 'map of string to string'));
    return;
  }
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') report([key, k], FieldReason.TypeInvalid, typeMessage(v, 'string'));
    else each(k, v);
  }
}

function checkFinalizers(finalizers: unknown, report: Report): void {
  if (finalizers === undefined || finalizers === null) return;
  if (!Array.isArray(finalizers)) {
    report(['finalizers'], FieldReason.TypeInvalid, typeMessage(finalizers, 'array of strings'));
    return;
  }
  finalizers.forEach((f: unknown, i) => {
    if (typeof f !== 'string') {
      report(['finalizers', i], FieldReason.TypeInvalid, typeMessage(f, 'string'));
      return;
    }
    const p = qualifiedNameProblem(f);
    if (p !== undefined) report(['finalizers', i], FieldReason.Invalid, `Invalid value: ${showValue(f)}: ${p}`);
  });
  // The garbage collector's two deletion modes exclude each other (kube-apiserver's rule).
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    report(['finalizers'], FieldReason.Invalid, `Invalid value: ${showValue(finalizers)}: finalizer orphan and foregroundDeletion cannot be both set`);
  }
}

/** kube's check of an ownerReference's apiVersion: `group/version` or `version`, the version not empty. */
function apiVersionProblem(apiVersion: string): string | undefined {
  const parts = apiVersion.split('/');
  return parts.length > 2 || parts[parts.length - 1] === '' ? 'version must not be empty' : undefined;
}

function checkOwnerReferences(refs: unknown, report: Report): void {
  if (refs === undefined || refs === null) return;
  if (!Array.isArray(refs)) {
    report(['ownerReferences'], FieldReason.TypeInvalid, typeMessage(refs, 'array'));
    return;
  }
  let controllers = 0;
  refs.forEach((ref: unknown, i) => {
    if (!isRecord(ref)) {
      report(['ownerReferences', i], FieldReason.TypeInvalid, typeMessage(ref, 'object'));
      return;
    }
    for (const key of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      const v = ref[key];
      if (v === undefined || v === '') report(['ownerReferences', i, key], FieldReason.Required, 'Required value');
      else if (typeof v !== 'string') report(['ownerReferences', i, key], FieldReason.TypeInvalid, typeMessage(v, 'string'));
    }
    const problem = typeof ref.apiVersion === 'string' && ref.apiVersion !== '' ? apiVersionProblem(ref.apiVersion) : undefined;
    if (problem !== undefined) report(['ownerReferences', i, 'apiVersion'], FieldReason.Invalid, `Invalid value: ${showValue(ref.apiVersion)}: ${problem}`);
    for (const key of ['controller', 'blockOwnerDeletion'] as const) {
      const v = ref[key];
      if (v !== undefined && typeof v !== 'boolean') report(['ownerReferences', i, key], FieldReason.TypeInvalid, typeMessage(v, 'boolean'));
    }
    if (ref.controller === true) controllers += 1;
  });
  if (controllers > 1) {
    report(['ownerReferences'], FieldReason.Invalid, `Invalid value: ${controllers} controllers: only one reference can have controller set to true`);
  }
}

function checkManagedFields(entries: unknown, report: Report): void {
  if (entries === undefined || entries === null) return;
  if (!Array.isArray(entries)) {
    report(['managedFields'], FieldReason.TypeInvalid, typeMessage(entries, 'array'));
    return;
  }
  entries.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) {
      report(['managedFields', i], FieldReason.TypeInvalid, typeMessage(entry, 'object'));
      return;
    }
    for (const key of ['manager', 'apiVersion', 'time', 'fieldsType', 'subresource'] as const) {
      const v = entry[key];
      if (v !== undefined && v !== null && typeof v !== 'string') report(['managedFields', i, key], FieldReason.TypeInvalid, typeMessage(v, 'string'));
    }
    const op = entry.operation;
    if (op !== undefined && op !== 'Apply' && op !== 'Update') {
      report(['managedFields', i, 'operation'], FieldReason.NotSupported, `Unsupported value: ${showValue(op)}: supported values: "Apply", "Update"`);
    }
    if (entry.fieldsV1 !== undefined && entry.fieldsV1 !== null && !isRecord(entry.fieldsV1)) {
      report(['managedFields', i, 'fieldsV1'], FieldReason.TypeInvalid, typeMessage(entry.fieldsV1, 'object'));
    }
  });
}
