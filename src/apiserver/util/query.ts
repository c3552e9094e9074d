/**
 * Query parameters of list/watch and write requests, decoded and validated as kube-apiserver does: values that
 * cannot be decoded (a non-numeric `limit`, a malformed selector) are 400 BadRequest naming the parameter;
 * decodable but disallowed values or combinations (`dryRun=Some`, `resourceVersionMatch` without
 * `resourceVersion`) are 422 Invalid with one cause per field, like `ListOptions`/`CreateOptions` validation.
 * Repeated scalar parameters use the first value; unknown parameters are ignored.
 */
import { BadRequestError, InvalidError, type FieldCause } from '../../errors/index.js';
import { decodeContinue } from './continue.js';
import { DEFAULT_SELECTABLE_FIELDS, parseFieldSelector } from './fields.js';
import { parseLabelSelector } from './labels.js';

/** `resourceVersionMatch` values. */
export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';
/** `fieldValidation` values; kube-apiserver's default is `Warn`. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
/** `propagationPolicy` values. */
export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

/** Decoded list/watch parameters. Selectors stay text: parse them with the resource's selectable fields. */
export interface ListQuery {
  /** `watch=1`/`true` (anything but `0`/`false`, as in kube). */
  readonly watch: boolean;
  /** Page size; undefined or 0 = everything. */
  readonly limit?: number;
  readonly continue?: string;
  /** Decimal revision; undefined = most recent (`""`), `"0"` = any. */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: ResourceVersionMatch;
  /** Syntax already checked by {@link parseLabelSelector}. */
  readonly labelSelector?: string;
  /** Syntax and fields already checked against the selectable fields given to {@link parseListQuery}. */
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks: boolean;
  readonly timeoutSeconds?: number;
  readonly sendInitialEvents?: boolean;
}

/** Decoded parameters of create, update, patch and delete. */
export interface WriteQuery {
  /** `dryRun=All`. */
  readonly dryRun: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation: FieldValidation;
  /** Server-side apply `force`; only allowed on apply patches (see {@link validatePatchQuery}). */
  readonly force?: boolean;
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
  readonly orphanDependents?: boolean;
}

/** Verbs whose options kube-apiserver validates under a kind name (used in the 422 message). */
export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';
const OPTIONS_KIND: Record<WriteVerb, string> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
};

/** Longest `fieldManager` kube-apiserver accepts, in UTF-8 bytes. */
export const FIELD_MANAGER_MAX_BYTES = 128;
/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Collects field errors and throws them as one InvalidError in kube-apiserver's wording. */
class FieldErrors {
  readonly causes: FieldCause[] = [];
  invalid(field: string, value: unknown, detail: string): void {
    this.add(field, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(value)}: ${detail}`);
  }
  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    this.add(field, 'FieldValueNotSupported', `Unsupported value: ${JSON.stringify(value)}: supported values: ${list}`);
  }
  forbidden(field: string, detail: string): void {
    this.add(field, 'FieldValueForbidden', `Forbidden: ${detail}`);
  }
  required(field: string, detail: string): void {
    this.add(field, 'FieldValueRequired', `Required value: ${detail}`);
  }
  tooLong(field: string, max: number): void {
    this.add(field, 'FieldValueTooLong', `Too long: may not be more than ${max} bytes`);
  }
  private add(field: string, reason: string, message: string): void {
    this.causes.push({ field, reason, message });
  }
  throwIfAny(kind: string | undefined): void {
    if (this.causes.length === 0) return;
    const parts = this.causes.map((c) => `${c.field}: ${c.message}`);
    const summary = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
    const message = kind ? `${kind}.meta.k8s.io "" is invalid: ${summary}` : `invalid query parameters: ${summary}`;
    throw new InvalidError(message, { causes: this.causes, ...(kind ? { kind } : {}) });
  }
}

/** The first value of `name`, with `""` meaning absent (as kube's parameter conversion treats it). */
function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}

/** kube's bool parameters: absent = false; `0` and `false` (any case) = false; anything else, even empty = true. */
function bool(params: URLSearchParams, name: string): boolean | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  return !(value === '0' || value.toLowerCase() === 'false');
}

function integer(params: URLSearchParams, name: string, options: { min?: number } = {}): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const n = /^[+-]?[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || (options.min !== undefined && n < options.min)) {
    const what = options.min === 0 ? 'a non-negative integer' : 'an integer';
    throw new BadRequestError(`${name}: invalid value ${JSON.stringify(value)}: must be ${what}`);
  }
  return n;
}

/**
 * Decodes list and watch parameters.
 * @param options.selectableFields fields `fieldSelector` may use (default `metadata.name`, `metadata.namespace`).
 * @param options.allowSendInitialEvents whether streaming lists (`sendInitialEvents`) are served (default false).
 * @throws BadRequestError for undecodable values, InvalidError for forbidden combinations.
 */
export function parseListQuery(
  params: URLSearchParams,
  options: { readonly selectableFields?: readonly string[]; readonly allowSendInitialEvents?: boolean } = {},
): ListQuery {
  const watch = bool(params, 'watch') ?? false;
  const limit = integer(params, 'limit', { min: 0 });
  const timeoutSeconds = integer(params, 'timeoutSeconds', { min: 0 });
  const cont = text(params, 'continue');
  const resourceVersion = text(params, 'resourceVersion');
  const match = text(params, 'resourceVersionMatch');
  const labelSelector = text(params, 'labelSelector');
  const fieldSelector = text(params, 'fieldSelector');
  const sendInitialEvents = bool(params, 'sendInitialEvents');

  if (resourceVersion !== undefined && !/^[0-9]{1,16}$/.test(resourceVersion)) {
    throw new BadRequestError(`resourceVersion: invalid value ${JSON.stringify(resourceVersion)}: must be a decimal revision`);
  }
  if (labelSelector !== undefined) {
    try {
      parseLabelSelector(labelSelector);
    } catch (err) {
      throw new BadRequestError(`labelSelector: ${(err as Error).message}`);
    }
  }
  if (fieldSelector !== undefined) {
    try {
      parseFieldSelector(fieldSelector, options.selectableFields ?? DEFAULT_SELECTABLE_FIELDS);
    } catch (err) {
      throw new BadRequestError(`fieldSelector: ${(err as Error).message}`);
    }
  }
  if (cont !== undefined) {
    decodeContinue(cont);
    if (resourceVersion !== undefined && resourceVersion !== '0') {
      throw new BadRequestError('specifying resource version is not allowed when using continue');
    }
  }

  const errs = new FieldErrors();
  if (watch) validateWatch(errs, { match, cont, sendInitialEvents, allow: options.allowSendInitialEvents ?? false });
  else validateList(errs, { match, cont, resourceVersion, sendInitialEvents });
  errs.throwIfAny('ListOptions');

  return {
    watch,
    allowWatchBookmarks: bool(params, 'allowWatchBookmarks') ?? false,
    ...(limit !== undefined ? { limit } : {}),
    ...(cont !== undefined ? { continue: cont } : {}),
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(match !== undefined ? { resourceVersionMatch: match as ResourceVersionMatch } : {}),
    ...(labelSelector !== undefined ? { labelSelector } : {}),
    ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(sendInitialEvents !== undefined ? { sendInitialEvents } : {}),
  };
}

function validateList(
  errs: FieldErrors,
  o: { match?: string; cont?: string; resourceVersion?: string; sendInitialEvents?: boolean },
): void {
  if (o.match !== undefined) {
    if (o.resourceVersion === undefined) {
      errs.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    if (o.cont !== undefined) errs.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    if (o.match !== 'Exact' && o.match !== 'NotOlderThan') {
      errs.notSupported('resourceVersionMatch', o.match, ['Exact', 'NotOlderThan', '']);
    }
    if (o.match === 'Exact' && o.resourceVersion === '0') {
      errs.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
  }
  if (o.sendInitialEvents !== undefined) errs.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
}

function validateWatch(
  errs: FieldErrors,
  o: { match?: string; cont?: string; sendInitialEvents?: boolean; allow: boolean },
): void {
  if (o.sendInitialEvents !== undefined) {
    if (o.match !== 'NotOlderThan') {
      errs.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (!o.allow) {
      errs.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
    }
  }
  if (o.match !== undefined) {
    if (o.sendInitialEvents === undefined) {
      errs.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    }
    if (o.match !== 'NotOlderThan') errs.notSupported('resourceVersionMatch', o.match, ['NotOlderThan']);
    if (o.cont !== undefined) errs.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
  }
}

const FIELD_VALIDATIONS: readonly FieldValidation[] = ['Ignore', 'Strict', 'Warn'];
const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ['Background', 'Foreground', 'Orphan'];

/**
 * Decodes the parameters of a write (create, update, patch, delete).
 * @param options.verb names the options kind in 422 messages (`CreateOptions.meta.k8s.io "" is invalid: …`).
 * @throws BadRequestError for undecodable numbers, InvalidError for bad `dryRun`, `fieldManager`,
 *   `fieldValidation`, `propagationPolicy` or `orphanDependents` combined with `propagationPolicy`.
 */
export function parseWriteQuery(params: URLSearchParams, options: { readonly verb?: WriteVerb } = {}): WriteQuery {
  const gracePeriodSeconds = integer(params, 'gracePeriodSeconds');
  const errs = new FieldErrors();

  const dryRunValues = params.getAll('dryRun');
  if (dryRunValues.some((v) => v !== 'All')) errs.notSupported('dryRun', dryRunValues, ['All']);

  const fieldManager = text(params, 'fieldManager');
  if (fieldManager !== undefined) {
    if (Buffer.byteLength(fieldManager, 'utf8') > FIELD_MANAGER_MAX_BYTES) errs.tooLong('fieldManager', FIELD_MANAGER_MAX_BYTES);
    if (!PRINTABLE.test(fieldManager)) {
      const bad = [...fieldManager].find((c) => !PRINTABLE.test(c)) ?? '';
      const code = `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      errs.invalid('fieldManager', fieldManager, `invalid character ${code}`);
    }
  }

  const fieldValidation = text(params, 'fieldValidation');
  if (fieldValidation !== undefined && !FIELD_VALIDATIONS.includes(fieldValidation as FieldValidation)) {
    errs.notSupported('fieldValidation', fieldValidation, ['', ...FIELD_VALIDATIONS]);
  }

  const propagationPolicy = text(params, 'propagationPolicy');
  if (propagationPolicy !== undefined && !PROPAGATION_POLICIES.includes(propagationPolicy as PropagationPolicy)) {
    errs.notSupported('propagationPolicy', propagationPolicy, PROPAGATION_POLICIES);
  }
  const orphanDependents = bool(params, 'orphanDependents');
  if (orphanDependents !== undefined && propagationPolicy !== undefined) {
    errs.invalid('orphanDependents', orphanDependents, 'Cannot both set OrphanDependents and PropagationPolicy');
  }
  errs.throwIfAny(options.verb ? OPTIONS_KIND[options.verb] : undefined);

  const force = bool(params, 'force');
  return {
    dryRun: dryRunValues.length > 0,
    fieldValidation: (fieldValidation as FieldValidation | undefined) ?? 'Warn',
    ...(fieldManager !== undefined ? { fieldManager } : {}),
    ...(force !== undefined ? { force } : {}),
    ...(propagationPolicy !== undefined ? { propagationPolicy: propagationPolicy as PropagationPolicy } : {}),
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
    ...(orphanDependents !== undefined ? { orphanDependents } : {}),
  };
}

/** The server-side apply patch type; `force` is only allowed with it and it requires a `fieldManager`. */
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

/**
 * The patch-type-dependent checks of kube's ValidatePatchOptions: `force` only on apply patches, and
 * `fieldManager` required on them.
 * @throws InvalidError (`PatchOptions.meta.k8s.io "" is invalid: …`).
 */
export function validatePatchQuery(query: WriteQuery, patchType: string): void {
  const errs = new FieldErrors();
  if (patchType !== APPLY_PATCH_TYPE) {
    if (query.force !== undefined) errs.forbidden('force', 'may not be specified for non-apply patch');
  } else if (query.fieldManager === undefined) {
    errs.required('fieldManager', 'is required for apply patch');
  }
  errs.throwIfAny('PatchOptions');
}
