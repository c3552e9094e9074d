/**
 * JSON Patch (RFC 6902) with kube-apiserver's status codes: a body that is not a list of operation objects is
 * 400, more than `maxOperations` operations is 413, and any operation that is malformed or cannot be applied
 * (missing path, failed `test`, …) is 422 Invalid naming the operation's index, op and path.
 *
 * Written here rather than on fast-json-patch: that library resolves paths through inherited properties
 * (`replace /constructor` "succeeds", `remove /toString` silently does nothing), crashes with a TypeError when a
 * compared object has its own `hasOwnProperty` key, and lets `move` target its own child. Here every lookup is an
 * own-property lookup, array indexes follow the RFC (no leading zeros, `-` only where allowed), inputs are never
 * mutated, and `copy` is bounded so a 10,000-operation patch cannot double the document 10,000 times.
 */
import { BadRequestError, InvalidError, RequestTooLargeError } from '../../errors/index.js';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { DEFAULT_MAX_DEPTH, setOwn } from './json-parse.js';
import { cloneJson, hasOwnKey, isJsonObject, jsonEqual, jsonSize } from './json-value.js';

/** kube-apiserver's limit on operations in one JSON patch. */
export const DEFAULT_MAX_OPERATIONS = 10_000;
/** Bytes (JSON) that `copy` operations may add in total; kube bounds the same growth. */
export const DEFAULT_MAX_COPY_BYTES = 3 * 1024 * 1024;

/** Options of {@link applyJsonPatch}. */
export interface JsonPatchOptions {
  readonly maxOperations?: number;
  readonly maxCopyBytes?: number;
  /** Deepest nesting the result may have (default 100, as for request bodies). */
  readonly maxDepth?: number;
}

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
const OPS: readonly OpName[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

interface Operation {
  readonly index: number;
  readonly op: OpName;
  readonly path: string;
  readonly tokens: readonly string[];
  readonly from?: { readonly raw: string; readonly tokens: readonly string[] };
  readonly value?: JsonValue;
}

class PatchFailure extends Error {}

/** Splits a JSON pointer (RFC 6901) into unescaped tokens; undefined if it is not a valid pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (/~[^01]|~$/.test(t)) return undefined;
    tokens[i] = t.replace(/~1/g, '/').replace(/~0/g, '~');
  }
  return tokens;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function describeOp(index: number, raw: Record<string, unknown>): string {
  const op = typeof raw['op'] === 'string' ? raw['op'] : '?';
  const path = typeof raw['path'] === 'string' ? ` ${raw['path']}` : '';
  return `json patch operation ${index} (${op}${path})`;
}

/** Checks the shape of every operation before anything is applied. */
function validate(ops: unknown, maxOperations: number): Operation[] {
  if (!Array.isArray(ops)) throw new BadRequestError('json patch must be a JSON array of operations');
  if (ops.length > maxOperations) {
    throw new RequestTooLargeError(`The allowed maximum operations in a JSON patch is ${maxOperations}, got ${ops.length}`);
  }
  return ops.map((raw: unknown, index): Operation => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new BadRequestError(`json patch operation ${index} must be a JSON object`);
    }
    const o = raw as Record<string, unknown>;
    const invalid = (detail: string): never => {
      throw new InvalidError(`${describeOp(index, o)}: ${detail}`);
    };
    const op = o['op'];
    if (typeof op !== 'string' || !OPS.includes(op as OpName)) {
      return invalid(`"op" must be one of ${OPS.join(', ')}`);
    }
    const path = o['path'];
    if (typeof path !== 'string') return invalid('"path" must be a string');
    const tokens = parsePointer(path) ?? invalid(`"path" ${JSON.stringify(path)} is not a JSON pointer`);
    let from: Operation['from'];
    if (op === 'move' || op === 'copy') {
      const rawFrom = o['from'];
      if (typeof rawFrom !== 'string') return invalid('"from" must be a string');
      from = { raw: rawFrom, tokens: parsePointer(rawFrom) ?? invalid(`"from" ${JSON.stringify(rawFrom)} is not a JSON pointer`) };
    }
    if ((op === 'add' || op === 'replace' || op === 'test') && !Object.prototype.hasOwnProperty.call(o, 'value')) {
      return invalid('"value" is required');
    }
    return { index, op: op as OpName, path, tokens, ...(from ? { from } : {}), ...(o['value'] !== undefined ? { value: o['value'] as JsonValue } : {}) };
  });
}

/** The container holding the last token of `tokens`, and that token; fails if an intermediate is missing. */
function parentOf(doc: JsonValue, tokens: readonly string[], pointer: string): { parent: JsonValue; key: string } {
  let cur = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const next = child(cur, tokens[i]!);
    if (next === undefined) throw new PatchFailure(`path ${JSON.stringify(pointer)} does not exist`);
    cur = next;
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

/** The member or element `token` of `container`, or undefined if there is none. */
function child(container: JsonValue, token: string): JsonValue | undefined {
  if (Array.isArray(container)) return ARRAY_INDEX.test(token) ? container[Number(token)] : undefined;
  if (isJsonObject(container)) return hasOwnKey(container, token) ? container[token] : undefined;
  return undefined;
}

function get(doc: JsonValue, tokens: readonly string[], pointer: string): JsonValue {
  let cur: JsonValue | undefined = doc;
  for (const t of tokens) {
    cur = cur === undefined ? undefined : child(cur, t);
    if (cur === undefined) throw new PatchFailure(`path ${JSON.stringify(pointer)} does not exist`);
  }
  return cur;
}

function arrayIndex(arr: JsonValue[], key: string, pointer: string, options: { forInsert: boolean }): number {
  if (options.forInsert && key === '-') return arr.length;
  const max = options.forInsert ? arr.length : arr.length - 1;
  if (!ARRAY_INDEX.test(key) || Number(key) > max) {
    throw new PatchFailure(`path ${JSON.stringify(pointer)}: array index ${JSON.stringify(key)} is out of range`);
  }
  return Number(key);
}

/** Returns the new document (only a root `add`/`replace` replaces it; other changes are in place). */
function add(doc: JsonValue, tokens: readonly string[], pointer: string, value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, { forInsert: true }), 0, value);
  else if (isJsonObject(parent)) setOwn(parent, key, value);
  else throw new PatchFailure(`path ${JSON.stringify(pointer)}: parent is not an object or array`);
  return doc;
}

function remove(doc: JsonValue, tokens: readonly string[], pointer: string): JsonValue {
  if (tokens.length === 0) throw new PatchFailure('the document root cannot be removed');
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, { forInsert: false }), 1)[0]!;
  if (isJsonObject(parent) && hasOwnKey(parent, key)) {
    const old = parent[key]!;
    delete parent[key];
    return old;
  }
  throw new PatchFailure(`path ${JSON.stringify(pointer)} does not exist`);
}

function replace(doc: JsonValue, tokens: readonly string[], pointer: string, value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  get(doc, tokens, pointer);
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, pointer, { forInsert: false })] = value;
  else setOwn(parent as JsonObject, key, value);
  return doc;
}

/** Nesting depth of `value` (a scalar is 0), or `limit + 1` as soon as it is known to exceed `limit`. */
function depthOf(value: JsonValue, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit < 0) return 1;
  let max = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    max = Math.max(max, depthOf(v, limit - 1));
    if (max > limit - 1) break;
  }
  return max + 1;
}

const isProperPrefix = (prefix: readonly string[], tokens: readonly string[]): boolean =>
  prefix.length < tokens.length && prefix.every((t, i) => t === tokens[i]);

/**
 * Applies an RFC 6902 patch to a copy of `target` (never mutating `target` or `ops`) and returns the result.
 * @throws BadRequestError if `ops` is not an array of objects; RequestTooLargeError if it has more than
 *   `maxOperations` (default 10,000) operations; InvalidError (422) naming the failing operation otherwise.
 */
export function applyJsonPatch(target: JsonValue, ops: unknown, options: JsonPatchOptions = {}): JsonValue {
  const operations = validate(ops, options.maxOperations ?? DEFAULT_MAX_OPERATIONS);
  const maxCopyBytes = options.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let copied = 0;
  let doc = cloneJson(target);
  // Inserting `value` at `tokens` must keep the document within maxDepth, so that every recursive walk of it
  // (here, in validation, in JSON.stringify) stays shallow.
  const checkDepth = (tokens: readonly string[], value: JsonValue): void => {
    if (tokens.length + depthOf(value, maxDepth) > maxDepth) {
      throw new PatchFailure(`the result would be nested deeper than ${maxDepth} levels`);
    }
  };
  for (const o of operations) {
    try {
      switch (o.op) {
        case 'add':
        case 'replace': {
          checkDepth(o.tokens, o.value!);
          const value = cloneJson(o.value!);
          doc = o.op === 'add' ? add(doc, o.tokens, o.path, value) : replace(doc, o.tokens, o.path, value);
          break;
        }
        case 'remove':
          remove(doc, o.tokens, o.path);
          break;
        case 'move': {
          const from = o.from!;
          if (isProperPrefix(from.tokens, o.tokens)) throw new PatchFailure('a value cannot be moved into one of its own children');
          const value = get(doc, from.tokens, from.raw);
          if (from.raw === o.path) break;
          checkDepth(o.tokens, value);
          remove(doc, from.tokens, from.raw);
          doc = add(doc, o.tokens, o.path, value);
          break;
        }
        case 'copy': {
          const value = get(doc, o.from!.tokens, o.from!.raw);
          checkDepth(o.tokens, value);
          copied += jsonSize(value);
          if (copied > maxCopyBytes) throw new PatchFailure(`copy operations would add more than ${maxCopyBytes} bytes`);
          doc = add(doc, o.tokens, o.path, cloneJson(value));
          break;
        }
        case 'test':
          if (!jsonEqual(get(doc, o.tokens, o.path), o.value!)) {
            throw new PatchFailure(`test failed: the value at ${JSON.stringify(o.path)} is not equal to the given value`);
          }
          break;
      }
    } catch (err) {
      if (!(err instanceof PatchFailure)) throw err;
      throw new InvalidError(`json patch operation ${o.index} (${o.op} ${o.path}): ${err.message}`);
    }
  }
  return doc;
}
