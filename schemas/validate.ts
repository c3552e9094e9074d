/**
 * Validation and defaulting of `spec` and `status` against a kind's zod schemas, plus update rules
 * (immutable fields, one-way changes). Every problem is a {@link FieldCause} naming the full field path.
 */
import type { z } from 'zod';
import type { FieldCause } from '../src/errors/index.js';
import type { ResourceType } from './types.js';
import { errorMapFor, formatPath, issuesToCauses, newIssueContext } from './causes.js';
import { FieldReason, showValue } from './issues.js';

/** How unknown fields are treated, as in the Kubernetes `fieldValidation` query parameter. */
export const FieldValidation = { Strict: 'Strict', Warn: 'Warn', Ignore: 'Ignore' } as const;
export type FieldValidation = (typeof FieldValidation)[keyof typeof FieldValidation];

/** Options for the validators. */
export interface ValidateOptions {
  /**
   * Strict (default): unknown fields are causes. Warn: they are dropped and reported in `warnings`
   * (`unknown field "spec.memory"`). Ignore: they are dropped silently.
   */
  readonly unknownFields?: FieldValidation;
}

/** Outcome of validation: the parsed value with defaults applied, or the causes. */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly causes: readonly FieldCause[] };

/** Most rounds of dropping unknown fields; each round removes every unknown field zod reported. */
const MAX_PRUNE_ROUNDS = 8;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deleteAt(root: unknown, path: readonly PropertyKey[], key: string): void {
  let node: unknown = root;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isRecord(node) && typeof seg === 'string') node = node[seg];
    else return;
  }
  if (isRecord(node)) delete node[key];
}

/**
 * Parses `input` with `schema`, reporting causes under `root` (`spec`, `status`, …). Unknown fields
 * are handled per `options.unknownFields`.
 */
export function parseWithCauses<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root: string,
  options: ValidateOptions = {},
): ValidationResult<z.output<S>> {
  const mode = options.unknownFields ?? FieldValidation.Strict;
  const warnings: string[] = [];
  let current = input;
  let cloned = false;
  for (let round = 0; ; round += 1) {
    const ctx = newIssueContext();
    const result = schema.safeParse(current, { reportInput: true, error: errorMapFor(ctx) });
    if (result.success) return { ok: true, value: result.data, warnings };
    const unknown = result.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (mode === FieldValidation.Strict || unknown.length === 0 || round >= MAX_PRUNE_ROUNDS) {
      return { ok: false, causes: issuesToCauses(result.error.issues, root, ctx) };
    }
    if (!cloned) {
      current = structuredClone(current);
      cloned = true;
    }
    for (const issue of unknown) {
      for (const key of issue.keys) {
        deleteAt(current, issue.path, key);
        if (mode === FieldValidation.Warn) warnings.push(`unknown field ${showValue(formatPath(root, [...issue.path, key]))}`);
      }
    }
  }
}

/** Validates and defaults `spec` of `type`; a missing spec is a `spec: Required value` cause. */
export function validateSpec<T extends ResourceType>(
  type: T,
  spec: unknown,
  options?: ValidateOptions,
): ValidationResult<z.output<T['spec']>> {
  return parseWithCauses<T['spec']>(type.spec, spec, 'spec', options);
}

/** Validates `status` of `type`; an absent status is valid and stays absent. */
export function validateStatus<T extends ResourceType>(
  type: T,
  status: unknown,
  options?: ValidateOptions,
): ValidationResult<z.output<T['status']> | undefined> {
  if (status === undefined) return { ok: true, value: undefined, warnings: [] };
  return parseWithCauses<T['status']>(type.status, status, 'status', options);
}

/** Deep equality of JSON values, ignoring object key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function valueAt(root: unknown, dotted: string): unknown {
  let node = root;
  for (const seg of dotted.split('.')) {
    if (!isRecord(node)) return undefined;
    node = node[seg];
  }
  return node;
}

/**
 * Causes for every immutable field of `type` (e.g. `spec.providerRef`) that differs between the
 * stored and the new spec. Pass both specs after defaulting, so an omitted default is no change.
 */
export function checkImmutable(type: ResourceType, oldSpec: unknown, newSpec: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const field of type.immutableFields) {
    const rel = field.startsWith('spec.') ? field.slice('spec.'.length) : field;
    const before = valueAt(oldSpec, rel);
    const after = valueAt(newSpec, rel);
    if (!jsonEqual(before, after)) {
      causes.push({ field, reason: FieldReason.Invalid, message: `Invalid value: ${showValue(after)}: field is immutable` });
    }
  }
  return causes;
}

/** One-way changes per kind, beyond plain immutability. */
const transitionRules: Readonly<Record<string, (oldSpec: unknown, newSpec: unknown) => FieldCause[]>> = {
  Volume: (oldSpec, newSpec) => {
    const before = valueAt(oldSpec, 'sizeGiB');
    const after = valueAt(newSpec, 'sizeGiB');
    if (typeof before === 'number' && typeof after === 'number' && after < before) {
      return [
        {
          field: 'spec.sizeGiB',
          reason: FieldReason.Invalid,
          message: `Invalid value: ${after}: volumes can grow but not shrink (currently ${before} GiB)`,
        },
      ];
    }
    return [];
  },
};

/** Every rule an update of `spec` must obey: immutable fields plus the kind's one-way changes. */
export function checkUpdate(type: ResourceType, oldSpec: unknown, newSpec: unknown): FieldCause[] {
  const rule = transitionRules[type.kind];
  return [...checkImmutable(type, oldSpec, newSpec), ...(rule === undefined ? [] : rule(oldSpec, newSpec))];
}
