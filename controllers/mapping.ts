/** Small helpers the per-kind status mappings share: copy only well-typed observed fields into status. */
import type { JsonObject, JsonValue } from '../schemas/object.js';

/** A field spec: the status key and a check that the observed value is acceptable. */
export type FieldCheck = (value: unknown) => value is JsonValue;

/** Non-empty strings. */
export const isString: FieldCheck = (v): v is string => typeof v === 'string' && v !== '';
/** Non-negative integers. */
export const isCount: FieldCheck = (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** Arrays of strings. */
export const isStringList: FieldCheck = (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
/** One of `values`. */
export const oneOf =
  (values: readonly string[]): FieldCheck =>
  (v): v is string =>
    typeof v === 'string' && values.includes(v);

/** The observed fields that pass their check, under the same keys. */
export function pickStatus(observed: Record<string, unknown>, checks: Readonly<Record<string, FieldCheck>>): JsonObject {
  const out: JsonObject = {};
  for (const [key, check] of Object.entries(checks)) {
    const value = observed[key];
    if (check(value)) out[key] = value;
  }
  return out;
}
