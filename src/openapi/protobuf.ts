/**
 * `/openapi/v2` in the protobuf encoding kubectl asks for: the Swagger 2.0 document converted to
 * gnostic's `openapi.v2.Document` message (github.com/google/gnostic-models, OpenAPIv2.proto).
 * kubectl refuses client-side validation and `apply` without it, and uses its
 * `x-kubernetes-group-version-kind` extensions to find the schema of each kind.
 */
import type { JsonObject } from '../../schemas/object.js';
import { BadRequestError } from '../errors/index.js';
import { convertDocument } from './proto/document.js';
import { openApiV2DocumentType } from './proto/root.js';

/** Media types a client may ask for (kubectl sends the first); kube-apiserver answers with the second. */
export const OpenApiV2ProtobufMediaType = {
  /** What kubectl and client-go send in `Accept` (`@` form, deprecated by kube-openapi but still sent). */
  Requested: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  /** The current name; kube-apiserver uses it as the response `Content-Type` for both requests. */
  Current: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
} as const;
export type OpenApiV2ProtobufMediaType = (typeof OpenApiV2ProtobufMediaType)[keyof typeof OpenApiV2ProtobufMediaType];

/**
 * True when an `Accept` header names the OpenAPI v2 protobuf encoding (either spelling) with a
 * non-zero q. Wildcards do not count: a client that accepts anything gets JSON, as kube-apiserver
 * (which lists JSON first) does.
 */
export function acceptsOpenApiV2Protobuf(accept: string): boolean {
  return accept.split(',').some((clause) => {
    const [type = '', ...params] = clause.split(';').map((part) => part.trim());
    const named = type === OpenApiV2ProtobufMediaType.Requested || type === OpenApiV2ProtobufMediaType.Current;
    const refused = params.some((param) => /^q=0(\.0*)?$/.test(param.replace(/\s/g, '')));
    return named && !refused;
  });
}

/** One construct of the input that gnostic's model cannot hold and that was left out of the encoding. */
export interface DroppedConstruct {
  /** JSON pointer into the input document, e.g. `/definitions/io.x.Foo/properties/bar/nullable`. */
  readonly path: string;
  readonly reason: string;
}

/** Options for {@link encodeOpenApiV2Protobuf}. */
export interface EncodeOpenApiV2Options {
  /**
   * Told about every construct left out (OpenAPI v3 / JSON-schema keywords such as `nullable` or
   * `oneOf`, values of the wrong JSON type, unknown parameter locations). Default: ignore them.
   */
  readonly onDropped?: (dropped: DroppedConstruct) => void;
}

/**
 * Encodes a Swagger 2.0 document (as served as JSON at `/openapi/v2`) as gnostic's
 * `openapi.v2.Document` protobuf, the same message kube-apiserver serves. Vendor extensions
 * (`x-kubernetes-group-version-kind`, …) are kept as YAML text in `NamedAny`, as gnostic does.
 * Never throws on document content: what gnostic's model cannot hold is reported through
 * `options.onDropped` and left out, so one odd schema cannot take kubectl validation down for all kinds.
 * The caller should cache the result: conversion walks the whole document.
 */
export function encodeOpenApiV2Protobuf(doc: JsonObject, options: EncodeOpenApiV2Options = {}): Uint8Array {
  const report = options.onDropped;
  const message = convertDocument(doc, (path, reason) => report?.({ path, reason }));
  return openApiV2DocumentType.encode(openApiV2DocumentType.fromObject(message)).finish();
}

/** A decoded `openapi.v2.Document`: nested plain objects keyed by `.proto` field names (`vendor_extension`, `_ref`). */
export type OpenApiV2Message = { readonly [field: string]: unknown };

/**
 * Decodes `openapi.v2.Document` bytes back to a plain object (for tests and debugging; int64 fields
 * as numbers, unset fields absent). Throws `BadRequestError` when the bytes are not such a message.
 */
export function decodeOpenApiV2Protobuf(bytes: Uint8Array): OpenApiV2Message {
  try {
    const decoded = openApiV2DocumentType.decode(bytes);
    return openApiV2DocumentType.toObject(decoded, { longs: Number, defaults: false });
  } catch (err) {
    throw new BadRequestError('not an OpenAPI v2 protobuf document (openapi.v2.Document)', { cause: err });
  }
}
