/**
 * Removal of a set of paths from an object (SMD's `TypedValue.RemoveItems`): a member path removes the
 * field, list item or set value with everything below it. As in SMD, a container left empty by the
 * removal becomes `null`, which the engine prunes at the end.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import type { FieldSet } from './fieldset.js';
import { isJsonObject } from './json.js';
import { listItemElement, type FieldSchema } from './lists.js';
import { field, type Path } from './path.js';

/** `value` without the paths of `toRemove`. Throws `BadRequestError` on unidentifiable list items. */
export function removeItems(value: JsonValue, toRemove: FieldSet, schema: FieldSchema): JsonValue {
  if (toRemove.isEmpty()) return value;
  return remove(value, toRemove, [], [], schema) ?? {};
}

function remove(value: JsonValue, toRemove: FieldSet, path: Path, typePath: readonly string[], schema: FieldSchema): JsonValue {
  if (Array.isArray(value)) {
    const list = schema.listType(typePath);
    // An atomic list is a leaf: reaching into one means removing all of it.
    if (value.length === 0 || list.type === 'atomic') return null;
    const out: JsonValue[] = [];
    value.forEach((item, i) => {
      const pe = listItemElement(list, item, path, i);
      if (toRemove.has([pe])) return;
      const sub = toRemove.withPrefix(pe);
      const kept = sub.isEmpty() ? item : remove(item, sub, [...path, pe], typePath, schema);
      // SMD would keep an item emptied this way as a null element and later fail to identify it;
      // an item that lost every field (its key included) is gone.
      if (kept !== null) out.push(kept);
    });
    return out.length > 0 ? out : null;
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const pe = field(k);
      if (toRemove.has([pe])) continue;
      const sub = toRemove.withPrefix(pe);
      out[k] = sub.isEmpty() ? v : remove(v, sub, [...path, pe], [...typePath, k], schema);
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  return value;
}
