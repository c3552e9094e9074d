/**
 * Path elements of structured-merge-diff (SMD): how one step from a container to a child is named in
 * `FieldsV1` (`f:name`, `k:{"type":"Ready"}`, `v:"x"`, `i:3`) and in conflict messages (`.name`,
 * `[type="Ready"]`, `[="x"]`, `[3]`), plus SMD's total order over them (fields, then keys, then
 * values, then indexes), which makes every serialisation deterministic.
 */
import type { JsonValue } from '../../../schemas/object.js';
import { BadRequestError } from '../../errors/index.js';
import { canonicalJson, compareStrings, isJsonObject } from './json.js';

/** One key field of an associative-list item: `networkRef` = `{"name":"web"}`. */
export interface KeyField {
  readonly name: string;
  readonly value: JsonValue;
}

/** One step of a path: a map/struct field, an associative-list key, a set value or a list index. */
export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'index'; readonly index: number };

/** A path from the object root. */
export type Path = readonly PathElement[];

/** A field path element. */
export const field = (name: string): PathElement => ({ kind: 'field', name });

/** A key path element; key fields are sorted by name, as SMD requires. */
export function key(fields: Readonly<Record<string, JsonValue>>): PathElement {
  const sorted = Object.keys(fields)
    .sort(compareStrings)
    .map((name) => ({ name, value: fields[name] ?? null }));
  return { kind: 'key', fields: sorted };
}

/** A set-value path element. */
export const value = (v: JsonValue): PathElement => ({ kind: 'value', value: v });

/** A list-index path element (only for lists without identity; never produced for Converge kinds). */
export const index = (i: number): PathElement => ({ kind: 'index', index: i });

/** Builds a path from field names, e.g. `fieldPath('spec', 'vcpus')`. */
export const fieldPath = (...names: string[]): Path => names.map(field);

const typeRank = (v: JsonValue): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v === null ? 5 : 4;

/** SMD's total order over JSON values: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i] ?? null, b[i] ?? null);
      if (c !== 0) return c;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareStrings);
    for (const k of keys) {
      if (!Object.hasOwn(a, k)) return 1;
      if (!Object.hasOwn(b, k)) return -1;
      const c = compareValues(a[k] ?? null, b[k] ?? null);
      if (c !== 0) return c;
    }
  }
  return 0;
}

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const fa = a[i]!;
    const fb = b[i]!;
    const c = compareStrings(fa.name, fb.name) || compareValues(fa.value, fb.value);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const kindRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** SMD's order of path elements: fields (by name) < keys < values < indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindRank[a.kind] < kindRank[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeys(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return a.index - (b as typeof a).index;
  }
}

/** The `FieldsV1` spelling of a path element: `f:spec`, `k:{"type":"Ready"}`, `v:"x"`, `i:0`. */
export function serializePathElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map((f) => `${JSON.stringify(f.name)}:${canonicalJson(f.value)}`).join(',')}}`;
    case 'value':
      return `v:${canonicalJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

/**
 * Parses a `FieldsV1` key. Returns undefined for an unknown element type, which SMD skips so that
 * a newer server's entries do not break an older one; throws {@link BadRequestError} when malformed.
 */
export function parsePathElement(text: string): PathElement | undefined {
  if (text.length < 2 || text[1] !== ':') throw new BadRequestError(`invalid path element ${JSON.stringify(text)}: missing colon`);
  const body = text.slice(2);
  switch (text[0]) {
    case 'f':
      return field(body);
    case 'v':
      return value(parseJson(text, body));
    case 'k': {
      const parsed = parseJson(text, body);
      if (!isJsonObject(parsed)) throw new BadRequestError(`invalid path element ${JSON.stringify(text)}: key must be an object`);
      return key(parsed);
    }
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new BadRequestError(`invalid path element ${JSON.stringify(text)}: index must be an integer`);
      return index(Number(body));
    }
    default:
      return undefined;
  }
}

function parseJson(text: string, body: string): JsonValue {
  try {
    return JSON.parse(body) as JsonValue;
  } catch (err) {
    throw new BadRequestError(`invalid path element ${JSON.stringify(text)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A value as SMD prints it in messages: strings quoted, scalars bare. Object-valued key fields (Converge
 * keys `spec.networks` by `networkRef`, an object) are flattened to `networkRef.name="web"`, which
 * reads better than SMD's own rendering and names the field a user wrote.
 */
function renderKeyField(prefix: string, v: JsonValue): string[] {
  if (isJsonObject(v)) {
    return Object.keys(v)
      .sort(compareStrings)
      .flatMap((k) => renderKeyField(`${prefix}.${k}`, v[k] ?? null));
  }
  return [`${prefix}=${renderValue(v)}`];
}

function renderValue(v: JsonValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return canonicalJson(v);
}

/** Human-readable element, as in kube's conflict causes: `.vcpus`, `[type="Ready"]`, `[="x"]`, `[0]`. */
export function renderPathElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.flatMap((f) => renderKeyField(f.name, f.value)).join(',')}]`;
    case 'value':
      return `[=${renderValue(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** Human-readable path, e.g. `.spec.networks[networkRef.name="web"].address`. */
export const renderPath = (path: Path): string => path.map(renderPathElement).join('');
