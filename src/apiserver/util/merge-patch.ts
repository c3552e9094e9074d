/**
 * JSON merge patch (RFC 7386) as kube-apiserver applies it (evanphx/json-patch `MergePatch`): `null` deletes a
 * member, objects merge recursively, anything else replaces. Like kube, values a patch inserts are stored without
 * `null` members, also inside arrays of objects (`{"a":[{"b":null,"c":1}]}` stores `[{"c":1}]`), so a patch can
 * never store an explicit null.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { setOwn } from './json-parse.js';
import { cloneJson, hasOwnKey, isJsonObject } from './json-value.js';

/** A deep copy of `value` in which object members whose value is `null` are dropped (array nulls stay). */
function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const v = value[key]!;
    if (v !== null) setOwn(out, key, withoutNulls(v));
  }
  return out;
}

/** Merges `patch` into `target`, which this function owns and mutates. */
function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) {
      if (hasOwnKey(target, key)) delete target[key];
      continue;
    }
    const current = hasOwnKey(target, key) ? target[key] : undefined;
    setOwn(target, key, isJsonObject(current) && isJsonObject(value) ? mergeInto(current, value) : withoutNulls(value));
  }
  return target;
}

/**
 * Applies a JSON merge patch and returns the result, sharing nothing with either input (neither is mutated).
 * A patch that is not an object replaces the target entirely, per RFC 7386; API handlers should refuse such
 * patches for objects before calling this.
 */
export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return withoutNulls(patch);
  const base = isJsonObject(target) ? (cloneJson(target) as JsonObject) : {};
  return mergeInto(base, patch);
}
