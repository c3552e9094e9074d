/**
 * From zod to the schema dialects Kubernetes tooling reads: JSON Schema 2020-12 (editors), OpenAPI
 * v3.0 (`/openapi/v3`, CRD `openAPIV3Schema`) and Swagger 2.0 (`/openapi/v2`, which kubectl parses
 * into typed models and rejects outright on constructs such as multi-type `type` arrays).
 */
import { z } from 'zod';
import type { JsonObject, JsonValue } from '../../schemas/object.js';

/** Target dialect of {@link toOpenApiSchema}. `crd` = OpenAPI v3 restricted to structural schemas. */
export const SchemaDialect = { V2: 'v2', V3: 'v3', Crd: 'crd' } as const;
export type SchemaDialect = (typeof SchemaDialect)[keyof typeof SchemaDialect];

/** Thrown when a zod schema uses something the target dialect cannot express (a bug in `schemas/`). */
export class SchemaConversionError extends Error {
  constructor(path: string, message: string) {
    super(`${path || '<root>'}: ${message}`);
    this.name = 'SchemaConversionError';
  }
}

/** True if `value` is a JSON object (not an array). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJsonValue(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SchemaConversionError(path, `non-finite number ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => toJsonValue(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toJsonValue(v, `${path}.${k}`);
    }
    return out;
  }
  throw new SchemaConversionError(path, `not JSON: ${typeof value}`);
}

/**
 * JSON Schema 2020-12 of `schema` as a user writes it (`io: input`: defaulted fields optional, with
 * their defaults shown), with every reused subschema inlined and no `$schema` key.
 */
export function zodToJsonSchema(schema: z.ZodType): JsonObject {
  const raw = z.toJSONSchema(schema, { io: 'input', reused: 'inline', cycles: 'throw', unrepresentable: 'throw' });
  const json = toJsonValue(raw, '');
  if (!isJsonObject(json)) throw new SchemaConversionError('', 'schema is not an object');
  delete json.$schema;
  return json;
}

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

/** Formats Kubernetes knows; others are dropped (an unknown format is an error in some clients). */
const KNOWN_FORMATS = new Set([
  'int32', 'int64', 'float', 'double', 'byte', 'binary', 'date', 'date-time', 'password',
  'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'uuid', 'duration',
]);

/** Keywords copied unchanged in every dialect. */
const PLAIN_KEYWORDS = new Set([
  'description', 'default', 'enum', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'multipleOf', 'required', 'nullable',
]);

/** Keywords dropped in every dialect: meaningless or unsupported in OpenAPI, never needed by clients. */
const DROPPED_KEYWORDS = new Set(['$schema', '$id', '$comment', 'propertyNames', 'examples', 'title', 'readOnly', 'writeOnly']);

/** Extensions kubectl's v2 parser has no use for; everything else `x-kubernetes-*` is kept. */
const V2_DROPPED_EXTENSIONS = new Set(['x-kubernetes-validations']);

/** Output key order: what a reader looks for first, extensions last. */
const KEY_ORDER = [
  'description', 'type', 'format', 'nullable', 'enum', 'default', 'pattern', 'minimum', 'exclusiveMinimum',
  'maximum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'items', 'properties', 'required', 'additionalProperties',
  'anyOf', 'oneOf', 'allOf',
];

function ordered(schema: JsonObject): JsonObject {
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i >= 0 ? i : KEY_ORDER.length + (k.startsWith('x-') ? 1 : 0);
  };
  const out: JsonObject = {};
  for (const k of Object.keys(schema).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const v = schema[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Go's RE2 (used by Kubernetes for `pattern`) has no lookaround and no backreferences. */
function checkRe2(pattern: string, path: string): void {
  if (/\(\?[=!<]|\\[1-9]/.test(pattern)) {
    throw new SchemaConversionError(path, `pattern ${pattern} uses lookaround or backreferences, which Kubernetes (RE2) rejects`);
  }
}

function convertType(value: JsonValue, out: JsonObject, dialect: SchemaDialect, path: string): void {
  if (typeof value === 'string') {
    out.type = value;
    return;
  }
  if (!Array.isArray(value)) throw new SchemaConversionError(path, 'type must be a string or an array');
  const types = value.filter((t) => t !== 'null');
  if (types.length !== 1 || typeof types[0] !== 'string') {
    throw new SchemaConversionError(path, `multiple types ${JSON.stringify(value)} cannot be expressed in OpenAPI`);
  }
  out.type = types[0];
  if (types.length !== value.length && dialect !== SchemaDialect.V2) out.nullable = true;
}

function convertBound(key: 'exclusiveMinimum' | 'exclusiveMaximum', value: JsonValue, schema: JsonObject, out: JsonObject, path: string): void {
  if (typeof value === 'boolean') {
    out[key] = value;
    return;
  }
  if (typeof value !== 'number') throw new SchemaConversionError(path, `${key} must be a number`);
  const isMin = key === 'exclusiveMinimum';
  if (schema.type === 'integer') {
    // `> 0` on an integer is `>= 1`: the plainer form reads better in `kubectl explain`.
    out[isMin ? 'minimum' : 'maximum'] = isMin ? value + 1 : value - 1;
  } else {
    out[isMin ? 'minimum' : 'maximum'] = value;
    out[key] = true;
  }
}

function convertUnion(key: string, value: JsonValue, dialect: SchemaDialect, path: string): JsonValue[] | undefined {
  if (!Array.isArray(value)) throw new SchemaConversionError(path, `${key} must be an array`);
  if (dialect === SchemaDialect.V2) return undefined;
  const branches = value.map((b, i) => {
    if (!isJsonObject(b)) throw new SchemaConversionError(path, `${key}[${i}] must be a schema`);
    return convertNode(b, dialect, `${path}.${key}[${i}]`);
  });
  if (dialect === SchemaDialect.Crd && branches.some((b) => isJsonObject(b) && ('type' in b || 'description' in b || 'default' in b))) {
    // Structural schemas allow value validations in unions, never types, descriptions or defaults.
    throw new SchemaConversionError(path, `${key} with typed branches is not a structural schema`);
  }
  return branches;
}

function convertNode(schema: JsonObject, dialect: SchemaDialect, path: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key) || key === '$defs' || key === 'definitions') continue;
    if (PLAIN_KEYWORDS.has(key)) {
      if (key === 'pattern' && typeof value === 'string') checkRe2(value, path);
      out[key] = value;
      continue;
    }
    switch (key) {
      case 'type':
        convertType(value, out, dialect, path);
        break;
      case 'const':
        out.enum = [value];
        break;
      case 'format':
        if (typeof value === 'string' && KNOWN_FORMATS.has(value)) out.format = value;
        break;
      case 'minimum':
      case 'maximum':
        if (typeof value === 'number' && !SAFE_INTEGER_BOUNDS.has(value)) out[key] = value;
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        convertBound(key, value, schema, out, path);
        break;
      case 'uniqueItems':
        // Kubernetes forbids uniqueItems in CRDs (quadratic); x-kubernetes-list-type: set replaces it.
        if (dialect !== SchemaDialect.Crd) out.uniqueItems = value;
        break;
      case 'items':
        if (!isJsonObject(value)) throw new SchemaConversionError(path, 'tuple items cannot be expressed in OpenAPI');
        out.items = convertNode(value, dialect, `${path}[]`);
        break;
      case 'properties': {
        if (!isJsonObject(value)) throw new SchemaConversionError(path, 'properties must be an object');
        const props: JsonObject = {};
        for (const [name, sub] of Object.entries(value)) {
          if (!isJsonObject(sub)) throw new SchemaConversionError(`${path}.${name}`, 'property schema must be an object');
          props[name] = convertNode(sub, dialect, path === '' ? name : `${path}.${name}`);
        }
        out.properties = props;
        break;
      }
      case 'additionalProperties':
        // `false` comes from zod's strict objects; OpenAPI readers treat it badly and CRDs forbid it
        // next to `properties`. Unknown fields are rejected by the server's own validation instead.
        if (isJsonObject(value)) out.additionalProperties = convertNode(value, dialect, `${path}{}`);
        break;
      case 'anyOf':
      case 'oneOf':
      case 'allOf': {
        const branches = convertUnion(key, value, dialect, path);
        if (branches !== undefined) out[key] = branches;
        break;
      }
      default:
        if (key.startsWith('x-')) {
          if (!(dialect === SchemaDialect.V2 && V2_DROPPED_EXTENSIONS.has(key))) out[key] = value;
          break;
        }
        throw new SchemaConversionError(path, `keyword "${key}" has no OpenAPI equivalent`);
    }
  }
  if (dialect !== SchemaDialect.V2 && out.type === undefined && out.anyOf === undefined && out.oneOf === undefined && out.allOf === undefined) {
    // A value of any JSON type: structural schemas spell that as preserve-unknown-fields without a type.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (dialect === SchemaDialect.V2) delete out.nullable;
  return ordered(out);
}

/** Converts a JSON Schema 2020-12 document (from {@link zodToJsonSchema}) to `dialect`. */
export function toOpenApiSchema(schema: JsonObject, dialect: SchemaDialect): JsonObject {
  return convertNode(schema, dialect, '');
}

/** Shorthand: zod schema straight to `dialect`. */
export function zodToOpenApi(schema: z.ZodType, dialect: SchemaDialect): JsonObject {
  return toOpenApiSchema(zodToJsonSchema(schema), dialect);
}
