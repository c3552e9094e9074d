/**
 * The structural merge of an applied configuration into a live object (SMD's `TypedValue.Merge`):
 * structs and free maps merge field by field, associative lists item by item (by key), sets by
 * value, and everything else (scalars, atomic lists) is replaced by the configuration's value.
 * Removing fields the applier no longer applies is a separate step (`prune.ts`), because it needs
 * ownership information.
 */
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { BadRequestError } from '../../errors/index.js';
import { index } from './compare.js';
import { isJsonObject } from './json.js';
import { listItemElement, type FieldSchema, type ListType } from './lists.js';
import { field, renderPath, renderPathElement, serializePathElement, type Path, type PathElement } from './path.js';

/**
 * Merges `applied` into `live`. An applied `null` is kept (it replaces the live value; the caller
 * prunes nulls after bookkeeping). Throws {@link BadRequestError} when `applied` lists the same key
 * twice or a list item cannot be identified.
 */
export function mergeApplied(live: JsonValue | undefined, applied: JsonValue, schema: FieldSchema): JsonValue {
  return merge(live, applied, [], [], schema) ?? {};
}

type Shape = 'map' | 'list' | 'scalar';
const shapeOf = (v: JsonValue | undefined): Shape | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? 'list' : isJsonObject(v) ? 'map' : 'scalar';

function merge(
  lhs: JsonValue | undefined,
  rhs: JsonValue | undefined,
  path: Path,
  typePath: readonly string[],
  schema: FieldSchema,
): JsonValue | undefined {
  const ls = shapeOf(lhs);
  const rs = shapeOf(rhs);
  const keepRhs = rhs !== undefined ? rhs : lhs;
  if (ls !== undefined && rs !== undefined && ls !== rs) return keepRhs;
  const shape = ls ?? rs ?? 'scalar';
  if (shape === 'map') {
    const l = isJsonObject(lhs) ? lhs : {};
    const r = isJsonObject(rhs) ? rhs : {};
    if (Object.keys(l).length === 0 && Object.keys(r).length === 0) return keepRhs;
    const out: JsonObject = {};
    for (const k of Object.keys(l)) put(out, k, merge(l[k], r[k], [...path, field(k)], [...typePath, k], schema));
    for (const k of Object.keys(r)) {
      if (!Object.hasOwn(l, k)) put(out, k, merge(undefined, r[k], [...path, field(k)], [...typePath, k], schema));
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (shape === 'list') {
    const list = schema.listType(typePath);
    const l = Array.isArray(lhs) ? lhs : [];
    const r = Array.isArray(rhs) ? rhs : [];
    if (list.type === 'atomic' || (l.length === 0 && r.length === 0)) return keepRhs;
    const out = mergeItems(list, l, r, path, typePath, schema);
    return out.length > 0 ? out : undefined;
  }
  return keepRhs;
}

function put(out: JsonObject, k: string, v: JsonValue | undefined): void {
  if (v !== undefined) out[k] = v;
}

/**
 * SMD's item order: the applied items keep their relative order, and live-only items stay where they
 * were relative to their neighbours (a live item shared with the configuration is emitted when the
 * configuration reaches it).
 */
function mergeItems(
  list: ListType,
  lhs: readonly JsonValue[],
  rhs: readonly JsonValue[],
  path: Path,
  typePath: readonly string[],
  schema: FieldSchema,
): JsonValue[] {
  const identify = (item: JsonValue, i: number): PathElement => listItemElement(list, item, path, i);
  const left = index(lhs, identify);
  const right = new Map<string, { pe: PathElement; item: JsonValue }>();
  rhs.forEach((item, i) => {
    const pe = identify(item, i);
    const k = serializePathElement(pe);
    if (right.has(k)) throw new BadRequestError(`${renderPath(path)}: duplicate entries for key ${renderPathElement(pe)}`);
    right.set(k, { pe, item });
  });
  const lKeys = [...left.keys()];
  const rKeys = [...right.keys()];
  const shared = rKeys.filter((k) => left.has(k));
  let nextShared = shared.shift();
  const merged = new Set<string>();
  const out: JsonValue[] = [];
  const emit = (k: string, l: JsonValue | undefined, r: JsonValue | undefined): void => {
    const pe = (right.get(k) ?? left.get(k))!.pe;
    const v = merge(l, r, [...path, pe], typePath, schema);
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < lKeys.length || ri < rKeys.length) {
    const lk = lKeys[li];
    const rk = rKeys[ri];
    if (lk !== undefined && rk !== undefined) {
      if (lk === rk) {
        merged.add(lk);
        emit(lk, left.get(lk)?.item, right.get(rk)?.item);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (right.has(lk) && nextShared !== undefined && nextShared !== lk) {
        li++; // a shared item, but not the next one the configuration will reach: it comes later
        continue;
      }
    }
    if (lk !== undefined) {
      if (!right.has(lk)) {
        emit(lk, left.get(lk)?.item, undefined);
        li++;
        continue;
      }
      if (merged.has(lk)) {
        li++;
        continue;
      }
    }
    if (rk !== undefined) {
      merged.add(rk);
      emit(rk, left.get(rk)?.item, right.get(rk)?.item);
      ri++;
      if (nextShared === rk) nextShared = shared.shift();
    }
  }
  return out;
}
