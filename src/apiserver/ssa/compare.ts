/**
 * Field-level difference of two objects (SMD's `TypedValue.Compare`): which paths a write added,
 * modified or removed. Update operations take ownership of exactly these, and an apply conflicts
 * with other managers on the paths it adds or modifies.
 */
import type { JsonValue } from '../../../schemas/object.js';
import { FieldSet } from './fieldset.js';
import { isJsonObject, jsonEqual } from './json.js';
import { listItemElement, type FieldSchema } from './lists.js';
import { field, serializePathElement, type Path, type PathElement } from './path.js';

/** Result of {@link compareObjects}. No path is in more than one set; all empty means equal. */
export interface Comparison {
  /** Paths present only in the new object. A container that appeared is listed with its leaves. */
  readonly added: FieldSet;
  /** Leaves (or atomic lists) present in both but different. */
  readonly modified: FieldSet;
  /** Paths present only in the old object. */
  readonly removed: FieldSet;
}

interface Acc {
  readonly added: Path[];
  readonly modified: Path[];
  readonly removed: Path[];
}

type Shape = 'map' | 'list' | 'scalar';

const shapeOf = (v: JsonValue | undefined): Shape | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? 'list' : isJsonObject(v) ? 'map' : 'scalar';

/** Compares `lhs` (old) with `rhs` (new). Throws `BadRequestError` on unidentifiable list items. */
export function compareObjects(lhs: JsonValue | undefined, rhs: JsonValue | undefined, schema: FieldSchema): Comparison {
  const acc: Acc = { added: [], modified: [], removed: [] };
  walk(lhs, rhs, [], [], schema, acc);
  return { added: FieldSet.of(acc.added), modified: FieldSet.of(acc.modified), removed: FieldSet.of(acc.removed) };
}

function walk(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  path: Path,
  typePath: readonly string[],
  schema: FieldSchema,
  acc: Acc,
): void {
  const ls = shapeOf(lhs);
  const rs = shapeOf(rhs);
  // null (or absence) takes the shape of the other side, as in SMD where null is an empty container.
  const shape = ls ?? rs ?? 'scalar';
  if (ls !== undefined && rs !== undefined && ls !== rs) {
    leaf(lhs, rhs, path, acc);
    return;
  }
  if (shape === 'map') {
    const l = isJsonObject(lhs) ? lhs : {};
    const r = isJsonObject(rhs) ? rhs : {};
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) {
      leaf(lhs, rhs, path, acc);
      return;
    }
    for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) {
      walk(l[k], r[k], [...path, field(k)], [...typePath, k], schema, acc);
    }
  } else if (shape === 'list') {
    const list = schema.listType(typePath);
    const l = Array.isArray(lhs) ? lhs : [];
    const r = Array.isArray(rhs) ? rhs : [];
    if (list.type === 'atomic' || (l.length === 0 && r.length === 0)) {
      leaf(lhs, rhs, path, acc);
      return;
    }
    const left = index(l, (item, i) => listItemElement(list, item, path, i));
    const right = index(r, (item, i) => listItemElement(list, item, path, i));
    for (const [k, item] of right) walk(left.get(k)?.item, item.item, [...path, item.pe], typePath, schema, acc);
    for (const [k, item] of left) if (!right.has(k)) walk(item.item, undefined, [...path, item.pe], typePath, schema, acc);
  } else {
    leaf(lhs, rhs, path, acc);
    return;
  }
  if (path.length === 0) return;
  if (lhs === undefined) acc.added.push(path);
  else if (rhs === undefined) acc.removed.push(path);
}

function leaf(lhs: JsonValue | undefined, rhs: JsonValue | undefined, path: Path, acc: Acc): void {
  if (path.length === 0) return;
  if (lhs === undefined) acc.added.push(path);
  else if (rhs === undefined) acc.removed.push(path);
  else if (!jsonEqual(lhs, rhs)) acc.modified.push(path);
}

/** Items of a list by identity, first occurrence winning (live objects may hold duplicates). */
export function index(
  items: readonly JsonValue[],
  identify: (item: JsonValue, i: number) => PathElement,
): Map<string, { pe: PathElement; item: JsonValue }> {
  const out = new Map<string, { pe: PathElement; item: JsonValue }>();
  items.forEach((item, i) => {
    const pe = identify(item, i);
    const k = serializePathElement(pe);
    if (!out.has(k)) out.set(k, { pe, item });
  });
  return out;
}
