/**
 * A strict JSON parser for request bodies. `JSON.parse` cannot report duplicate keys (Kubernetes strict
 * decoding rejects them), gives no line/column and does not bound nesting, which every later recursive walk
 * (patching, validation, copying) depends on. This parser does all three in one linear pass and builds the value
 * directly; it is recursive only up to `maxDepth`, so it never overflows the stack.
 */
import { BadRequestError } from '../../errors/index.js';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';

/** Nesting limit for request bodies: far beyond any object we serve, far below the stack limit. */
export const DEFAULT_MAX_DEPTH = 100;

/** Options shared by the JSON and YAML body parsers. */
export interface ParseOptions {
  /** Most nested arrays/objects allowed (top-level object = 1). Default {@link DEFAULT_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /**
   * `error` (default; `fieldValidation=Strict`) rejects duplicate keys; `warn` keeps the last value and reports
   * `duplicate field "<path>"` through `onWarning` (`fieldValidation=Warn`/`Ignore`).
   */
  readonly duplicateKeys?: 'error' | 'warn';
  readonly onWarning?: (message: string) => void;
}

/** 1-based line and column (in UTF-16 units) of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** Renders a field path the way Kubernetes does: `spec.volumes[0].name`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

/**
 * Sets `obj[key] = value` as an own data property. `__proto__` needs defineProperty: plain assignment would
 * replace the object's prototype instead of storing the key (the prototype-pollution vector).
 */
export function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `character '${ch}'`;
}

/**
 * Parses JSON text (RFC 8259, no extensions).
 * @throws BadRequestError `invalid JSON at line L column C: <problem>` for syntax errors, nesting deeper than
 *   `maxDepth`, numbers out of range and (unless `duplicateKeys: 'warn'`) duplicate keys.
 */
export function parseJson(text: string, options: ParseOptions = {}): JsonValue {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const warnDuplicates = options.duplicateKeys === 'warn';
  const n = text.length;
  const path: (string | number)[] = [];
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    const { line, column } = lineColumn(text, at);
    throw new BadRequestError(`invalid JSON at line ${line} column ${column}: ${message}`);
  };
  const skipWs = (): void => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      pos++;
    }
  };
  const unexpected = (): never => fail(`unexpected ${describe(text[pos])}`);

  const parseString = (): string => {
    const start = ++pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) return text.slice(start, pos++);
      if (c === 0x5c) return parseEscapedString(start);
      if (c < 0x20) fail(`${describe(text[pos])} in string`);
      pos++;
    }
    return fail('unterminated string', start - 1);
  };

  /**
   * Strings with escapes: find the closing quote, then let the native parser decode the literal (8x faster than
   * decoding here); only when it refuses do we walk the escapes to say which one is wrong and where.
   */
  const parseEscapedString = (start: number): string => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail(`${describe(text[pos])} in string`);
      pos += c === 0x5c ? 2 : 1;
    }
    if (pos >= n) fail('unterminated string', start - 1);
    const raw = text.slice(start - 1, ++pos);
    let value: string;
    try {
      value = JSON.parse(raw) as string;
    } catch {
      return failEscape(start);
    }
    // Go's decoder turns unpaired surrogate escapes into U+FFFD; stored text must be valid Unicode.
    return SURROGATE_ESCAPE.test(raw) ? value.replace(LONE_SURROGATE, '\ufffd') : value;
  };

  const failEscape = (start: number): never => {
    for (let i = start; i < n; i++) {
      if (text.charCodeAt(i) !== 0x5c) continue;
      const esc = text[i + 1];
      if (esc === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : esc === undefined || !SIMPLE_ESCAPES.has(esc)) {
        fail(esc === 'u' ? 'invalid \\u escape in string' : `invalid escape sequence '\\${esc ?? ''}' in string`, i);
      }
      i++;
    }
    return fail('invalid string', start - 1);
  };

  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
  /** Hand-rolled (a sticky regex costs 4x): validates the grammar, fast path for short integers. */
  const parseNumber = (): number => {
    const start = pos;
    let c = text.charCodeAt(pos);
    if (c === 0x2d) c = text.charCodeAt(++pos);
    if (c === 0x30) {
      c = text.charCodeAt(++pos);
    } else if (isDigit(c)) {
      do c = text.charCodeAt(++pos);
      while (isDigit(c));
    } else {
      fail('invalid number', start);
    }
    let simple = pos - start <= 15;
    if (c === 0x2e) {
      simple = false;
      if (!isDigit(text.charCodeAt(++pos))) fail('invalid number', start);
      do c = text.charCodeAt(++pos);
      while (isDigit(c));
    }
    if (c === 0x65 || c === 0x45) {
      simple = false;
      c = text.charCodeAt(++pos);
      if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++pos);
      if (!isDigit(c)) fail('invalid number', start);
      do c = text.charCodeAt(++pos);
      while (isDigit(c));
    }
    if (isDigit(c) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x65 || c === 0x45) fail('invalid number', start);
    if (simple) {
      let v = 0;
      const neg = text.charCodeAt(start) === 0x2d;
      for (let i = neg ? start + 1 : start; i < pos; i++) v = v * 10 + (text.charCodeAt(i) - 0x30);
      return neg ? -v : v;
    }
    const value = Number(text.slice(start, pos));
    if (!Number.isFinite(value)) fail('number out of range', start);
    return value;
  };

  const literal = (word: string, value: JsonValue): JsonValue => {
    if (!text.startsWith(word, pos)) unexpected();
    pos += word.length;
    return value;
  };

  const parseObject = (depth: number): JsonObject => {
    if (depth > maxDepth) fail(`nesting depth exceeds the limit of ${maxDepth}`);
    pos++;
    const obj: JsonObject = {};
    skipWs();
    if (text.charCodeAt(pos) === 0x7d) {
      pos++;
      return obj;
    }
    for (;;) {
      skipWs();
      if (text.charCodeAt(pos) !== 0x22) fail(`expected a string key but found ${describe(text[pos])}`);
      const keyAt = pos;
      const key = parseString();
      skipWs();
      if (text.charCodeAt(pos) !== 0x3a) fail(`expected ':' after object key but found ${describe(text[pos])}`);
      pos++;
      path[depth - 1] = key;
      const value = parseValue(depth);
      if (hasOwn(obj, key)) {
        const message = `duplicate field "${formatPath(path.slice(0, depth))}"`;
        if (!warnDuplicates) fail(message, keyAt);
        options.onWarning?.(message);
      }
      if (key === '__proto__') setOwn(obj, key, value);
      else obj[key] = value;
      skipWs();
      const c = text.charCodeAt(pos);
      pos++;
      if (c === 0x7d) return obj;
      if (c !== 0x2c) fail(`expected ',' or '}' but found ${describe(text[pos - 1])}`, pos - 1);
    }
  };

  const parseArray = (depth: number): JsonValue[] => {
    if (depth > maxDepth) fail(`nesting depth exceeds the limit of ${maxDepth}`);
    pos++;
    const arr: JsonValue[] = [];
    skipWs();
    if (text.charCodeAt(pos) === 0x5d) {
      pos++;
      return arr;
    }
    for (;;) {
      path[depth - 1] = arr.length;
      arr.push(parseValue(depth));
      skipWs();
      const c = text.charCodeAt(pos);
      pos++;
      if (c === 0x5d) return arr;
      if (c !== 0x2c) fail(`expected ',' or ']' but found ${describe(text[pos - 1])}`, pos - 1);
    }
  };

  const parseValue = (depth: number): JsonValue => {
    skipWs();
    switch (text.charCodeAt(pos)) {
      case 0x7b: return parseObject(depth + 1);
      case 0x5b: return parseArray(depth + 1);
      case 0x22: return parseString();
      case 0x74: return literal('true', true);
      case 0x66: return literal('false', false);
      case 0x6e: return literal('null', null);
      default: {
        const c = text.charCodeAt(pos);
        return c === 0x2d || (c >= 0x30 && c <= 0x39) ? parseNumber() : unexpected();
      }
    }
  };

  const value = parseValue(0);
  skipWs();
  if (pos < n) fail(`unexpected ${describe(text[pos])} after the top-level value`);
  return value;
}
