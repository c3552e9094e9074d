/**
 * Small, prototype-safe operations on JSON values. Keys are read with own-property checks and written with
 * {@link setOwn}, so `__proto__`, `constructor` and friends are ordinary keys here. Recursion depth equals the
 * value's nesting, which request decoding bounds (100).
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { setOwn } from './json-parse.js';

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `obj` has `key` as an own property (inherited names such as `toString` do not count). */
export function hasOwnKey(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** A deep copy sharing nothing with `value`. */
export function cloneJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key]!));
  return out;
}

/** Structural equality: objects compare by own keys regardless of order, arrays element-wise, numbers by value. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]!));
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => hasOwnKey(b, k) && jsonEqual(a[k]!, b[k]!));
}

/** Length of `JSON.stringify(value)`, the size measure used for expansion limits. */
export function jsonSize(value: JsonValue): number {
  return JSON.stringify(value).length;
}
