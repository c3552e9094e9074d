/**
 * Request body decoding by `Content-Type`: JSON and YAML media types (including the patch types) into plain JSON
 * values, with UTF-8 validation, nesting limits and strict duplicate-key handling. Unsupported media types are
 * 415 with the supported list, in kube-apiserver's words.
 */
import { BadRequestError, ConvergeError, ErrorCode } from '../../errors/index.js';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';
import { parseJson, type ParseOptions } from './json-parse.js';
import { parseYaml, type YamlParseOptions } from './yaml-parse.js';
import { noteRequestBody } from '../../auth/context.js';

/** Media types of request bodies that Kubernetes clients send. */
export const MediaType = {
  Json: 'application/json',
  Yaml: 'application/yaml',
  ApplyPatchYaml: 'application/apply-patch+yaml',
  MergePatch: 'application/merge-patch+json',
  JsonPatch: 'application/json-patch+json',
  StrategicMergePatch: 'application/strategic-merge-patch+json',
} as const;

/** Input of {@link decodeBody}. */
export interface DecodeBodyInput extends YamlParseOptions {
  readonly body: Buffer;
  /** The request's `Content-Type` header (parameters such as `charset` are ignored, as kube-apiserver does). */
  readonly contentType: string | undefined;
  /** Media types this endpoint accepts, e.g. `['application/json', 'application/yaml']`. */
  readonly allowed: readonly string[];
  /** When true a missing `Content-Type` is 415; otherwise it means `allowed[0]` (kube's behaviour for writes). */
  readonly requireContentType?: boolean;
}

/** A decoded body: which syntax it was declared as, its media type (lower-case, no parameters) and its value. */
export interface DecodedBody {
  readonly kind: 'json' | 'yaml';
  readonly mediaType: string;
  readonly value: JsonValue;
}

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** The bare media type of a `Content-Type` header (lower-cased, parameters dropped), or undefined if malformed. */
export function mediaTypeOf(contentType: string): string | undefined {
  const bare = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return TOKEN.test(bare) ? bare : undefined;
}

function syntaxOf(mediaType: string): 'json' | 'yaml' | undefined {
  const subtype = mediaType.slice(mediaType.indexOf('/') + 1);
  if (subtype === 'json' || subtype.endsWith('+json')) return 'json';
  if (subtype === 'yaml' || subtype.endsWith('+yaml')) return 'yaml';
  return undefined;
}

/** The 415 answer listing what the endpoint accepts (kube-apiserver's message). */
export function unsupportedMediaType(allowed: readonly string[]): ConvergeError {
  return new ConvergeError(
    ErrorCode.UnsupportedMediaType,
    `the body of the request was in an unknown format - accepted media types include: ${allowed.join(', ')}`,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629, Table 3-7 of Unicode). */
function invalidUtf8Offset(buf: Buffer): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => i < buf.length && buf[i]! >= lo && buf[i]! <= hi;
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    let ok: boolean;
    let len: number;
    if (b < 0x80) [ok, len] = [true, 1];
    else if (b >= 0xc2 && b <= 0xdf) [ok, len] = [cont(i + 1), 2];
    else if (b === 0xe0) [ok, len] = [cont(i + 1, 0xa0) && cont(i + 2), 3];
    else if (b === 0xed) [ok, len] = [cont(i + 1, 0x80, 0x9f) && cont(i + 2), 3];
    else if (b >= 0xe1 && b <= 0xef) [ok, len] = [cont(i + 1) && cont(i + 2), 3];
    else if (b === 0xf0) [ok, len] = [cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3), 4];
    else if (b === 0xf4) [ok, len] = [cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3), 4];
    else if (b >= 0xf1 && b <= 0xf3) [ok, len] = [cont(i + 1) && cont(i + 2) && cont(i + 3), 4];
    else [ok, len] = [false, 1];
    if (!ok) return i;
    i += len;
  }
  return buf.length;
}

/** Decodes UTF-8 strictly (a leading BOM is dropped). @throws BadRequestError naming the first bad byte. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BadRequestError(`request body is not valid UTF-8 (first invalid byte at offset ${invalidUtf8Offset(body)})`);
  }
}

/**
 * Decodes a request body according to its media type.
 * @throws ConvergeError UnsupportedMediaType (415) when the type is malformed or not in `allowed`;
 *   BadRequestError (400) for invalid UTF-8, syntax errors (with line and column), excessive nesting, aliases or
 *   duplicate keys; RequestTooLargeError (413) for YAML text over the YAML cap.
 */
export function decodeBody(input: DecodeBodyInput): DecodedBody {
  const header = input.contentType?.trim() ?? '';
  let mediaType: string | undefined;
  if (header === '') {
    if (input.requireContentType) throw unsupportedMediaType(input.allowed);
    mediaType = input.allowed[0];
  } else {
    mediaType = mediaTypeOf(header);
  }
  const syntax = mediaType === undefined ? undefined : syntaxOf(mediaType);
  if (mediaType === undefined || syntax === undefined || !input.allowed.includes(mediaType)) {
    throw unsupportedMediaType(input.allowed);
  }
  const text = decodeUtf8(input.body);
  const options: YamlParseOptions = input;
  const value = syntax === 'json' ? parseJson(text, options) : parseYaml(text, options);
  // The audit log keeps request bodies for the resources its policy names (level Request).
  noteRequestBody(value);
  return { kind: syntax, mediaType, value };
}

/**
 * Decodes a JSON or YAML body that must be one object (create, update): the common case of {@link decodeBody}.
 * A missing `Content-Type` means JSON.
 * @throws as {@link decodeBody}, and BadRequestError when the value is not an object.
 */
export function decodeObject(body: Buffer, contentType: string | undefined, options: ParseOptions = {}): JsonObject {
  const { value } = decodeBody({ ...options, body, contentType, allowed: [MediaType.Json, MediaType.Yaml] });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new BadRequestError(`request body must be an object, not ${what}`);
  }
  return value;
}
