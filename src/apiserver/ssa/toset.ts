/**
 * The set of fields present in an object (SMD's `TypedValue.ToFieldSet`): what an applier owns after
 * applying that object as its configuration.
 */
import type { JsonValue } from '../../../schemas/object.js';
import { FieldSet } from './fieldset.js';
import { isJsonObject } from './json.js';
import { listItemElement, type FieldSchema } from './lists.js';
import { field, serializePathElement, type Path } from './path.js';

/**
 * Every leaf of `value`, every item of a set or associative list, every atomic list, and every
 * field whose value is `null` or `{}` or that is an entry of a free map (labels). A non-empty struct
 * is not itself included: owning `spec.vcpus` does not mean owning `spec`.
 * Throws `BadRequestError` when a list item cannot be identified (see `listItemElement`).
 */
export function fieldSetFromObject(value: JsonValue, schema: FieldSchema): FieldSet {
  const out: Path[] = [];
  walk(value, [], [], schema, out);
  return FieldSet.of(out);
}

function walk(value: JsonValue, path: Path, typePath: readonly string[], schema: FieldSchema, out: Path[]): void {
  if (Array.isArray(value)) {
    const list = schema.listType(typePath);
    if (list.type === 'atomic') {
      out.push(path);
      return;
    }
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const pe = listItemElement(list, item, path, i);
      const k = serializePathElement(pe);
      if (seen.has(k)) return;
      seen.add(k);
      const itemPath = [...path, pe];
      walk(item, itemPath, typePath, schema, out);
      out.push(itemPath);
    });
    return;
  }
  if (isJsonObject(value)) {
    const free = schema.isFreeMap(typePath);
    for (const [k, v] of Object.entries(value)) {
      const childPath = [...path, field(k)];
      walk(v, childPath, [...typePath, k], schema, out);
      if (v === null || (isJsonObject(v) && Object.keys(v).length === 0) || free) out.push(childPath);
    }
    return;
  }
  if (path.length > 0) out.push(path);
}
