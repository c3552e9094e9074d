/**
 * Table-driven machinery that turns Swagger 2.0 JSON into gnostic `openapi.v2` message objects.
 * A message is described once as a table of JSON key → (proto field, converter); `convertMessage`
 * walks the JSON keys, so anything the table does not name is reported and left out instead of
 * failing the whole document.
 */
import YAML from 'yaml';
import type { JsonObject, JsonValue } from '../../../schemas/object.js';

/** A gnostic message as a plain object keyed by `.proto` field names: what protobufjs `fromObject` takes. */
export interface ProtoMessage {
  [field: string]: ProtoValue;
}
/** Any value a {@link ProtoMessage} field can hold. */
export type ProtoValue = string | number | boolean | ProtoMessage | ProtoValue[];

/** Reports one JSON construct that has no place in gnostic's model and was left out. */
export type DropReporter = (path: string, reason: string) => void;

/** Where the converter is in the document (a JSON pointer) and whom to tell about what it leaves out. */
export interface ConvertContext {
  readonly path: string;
  readonly dropped: DropReporter;
}

/** Converts one JSON value to a proto field value; `undefined` (after reporting) means "leave the field out". */
export type Converter = (value: JsonValue, ctx: ConvertContext) => ProtoValue | undefined;

/** The proto field a JSON key maps to, and how its value converts. */
export type FieldSpec = readonly [protoField: string, convert: Converter];

/** How one gnostic message maps from its JSON object. */
export interface MessageSpec {
  /** gnostic message name, used in drop reports. */
  readonly name: string;
  /** Fixed JSON keys. Looked up as own properties only, so keys like `constructor` are never confused with them. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Proto field (`repeated NamedAny`) that collects `x-*` keys; absent when the message has none. */
  readonly extensions?: string;
  /** Keys matched by pattern rather than name (path templates, response codes), collected as named pairs. */
  readonly patterned?: {
    readonly test: RegExp;
    readonly field: string;
    readonly convert: Converter;
  };
}

/** Narrows a JSON value to an object (not an array, not null). */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The context for `key` under `ctx`, with the key escaped as a JSON-pointer token (paths contain `/`). */
export function child(ctx: ConvertContext, key: string | number): ConvertContext {
  const token = String(key).replace(/~/g, '~0').replace(/\//g, '~1');
  return { path: `${ctx.path}/${token}`, dropped: ctx.dropped };
}

function typed<T extends ProtoValue>(
  expected: string,
  accept: (value: JsonValue) => value is JsonValue & T,
): Converter {
  return (value, ctx) => {
    if (accept(value)) return value;
    ctx.dropped(ctx.path, `expected ${expected}, got ${JSON.stringify(value)}`);
    return undefined;
  };
}

/** A `string` field. */
export const str: Converter = typed('a string', (v): v is string => typeof v === 'string');
/** A `bool` field. */
export const bool: Converter = typed('a boolean', (v): v is boolean => typeof v === 'boolean');
/** A `double` field. */
export const double: Converter = typed('a number', (v): v is number => typeof v === 'number');
/** An `int64` field: gnostic rejects non-integral values for these, so do we. */
export const int64: Converter = typed('an integer', (v): v is number => Number.isSafeInteger(v));

/** A `repeated` field whose JSON is an array; elements that do not convert are dropped one by one. */
export function repeated(convert: Converter): Converter {
  return (value, ctx) => {
    if (!Array.isArray(value)) {
      ctx.dropped(ctx.path, `expected an array, got ${JSON.stringify(value)}`);
      return undefined;
    }
    const out: ProtoValue[] = [];
    value.forEach((item, i) => {
      const converted = convert(item, child(ctx, i));
      if (converted !== undefined) out.push(converted);
    });
    return out;
  };
}

/** A `repeated string` field. */
export const strings: Converter = repeated(str);

// YAML 1.1 quoting keeps strings such as "yes", "on" or "0755" strings for the YAML 1.1 parser
// (gopkg.in/yaml.v2) that kubectl's kube-openapi uses to read extensions; lineWidth 0 keeps long
// descriptions on one line; no anchors/aliases because the reader should not need to resolve them.
const yamlOptions = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

/** gnostic `Any`: arbitrary JSON (defaults, examples, enum values, extensions) carried as its YAML text. */
export const anyValue: Converter = (value) => ({ yaml: YAML.stringify(value, yamlOptions) });

/** A `repeated Any` field (`enum`). */
export const anys: Converter = repeated(anyValue);

/** A message field described by `spec`. */
export function message(spec: MessageSpec): Converter {
  return (value, ctx) => convertMessage(value, spec, ctx);
}

/** A oneof wrapper `{[member]: converted}`, or `undefined` when the member did not convert. */
export function oneof(member: string, converted: ProtoValue | undefined): ProtoMessage | undefined {
  return converted === undefined ? undefined : { [member]: converted };
}

/** One `Named*` pair (`{name, value}`), the gnostic stand-in for an ordered map entry. */
function named(key: string, value: JsonValue, convert: Converter, ctx: ConvertContext): ProtoMessage | undefined {
  const converted = convert(value, child(ctx, key));
  return converted === undefined ? undefined : { name: key, value: converted };
}

/**
 * A gnostic map message (`Definitions`, `Properties`, `Headers`, `Oauth2Scopes`, …): a JSON object
 * becomes `{additional_properties: [Named*{name, value}]}` in the JSON's key order.
 */
export function namedMap(convert: Converter): Converter {
  return (value, ctx) => {
    if (!isJsonObject(value)) {
      ctx.dropped(ctx.path, `expected an object, got ${JSON.stringify(value)}`);
      return undefined;
    }
    const pairs: ProtoValue[] = [];
    for (const [key, item] of Object.entries(value)) {
      const pair = named(key, item, convert, ctx);
      if (pair !== undefined) pairs.push(pair);
    }
    return { additional_properties: pairs };
  };
}

// proto3 scalars have no presence: Go's encoder omits zero values, so leaving them out yields the
// same bytes kube-apiserver would serve. Messages (even empty ones) do have presence and stay.
function isProtoDefault(value: ProtoValue): boolean {
  return value === '' || value === 0 || value === false || (Array.isArray(value) && value.length === 0);
}

function pushTo(out: ProtoMessage, field: string, value: ProtoValue): void {
  const list = out[field];
  if (Array.isArray(list)) list.push(value);
  else out[field] = [value];
}

/** Converts a JSON object to the message `spec` describes; non-objects are reported and give `undefined`. */
export function convertMessage(value: JsonValue, spec: MessageSpec, ctx: ConvertContext): ProtoMessage | undefined {
  if (!isJsonObject(value)) {
    ctx.dropped(ctx.path, `expected an object for ${spec.name}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  const out: ProtoMessage = {};
  for (const [key, item] of Object.entries(value)) {
    const field = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    if (field !== undefined) {
      const converted = field[1](item, child(ctx, key));
      if (converted !== undefined && !isProtoDefault(converted)) out[field[0]] = converted;
    } else if (spec.extensions !== undefined && key.startsWith('x-')) {
      const pair = named(key, item, anyValue, ctx);
      if (pair !== undefined) pushTo(out, spec.extensions, pair);
    } else if (spec.patterned?.test.test(key) === true) {
      const pair = named(key, item, spec.patterned.convert, ctx);
      if (pair !== undefined) pushTo(out, spec.patterned.field, pair);
    } else {
      // Not in gnostic's model (e.g. OpenAPI v3 / JSON-schema keywords such as `nullable`, `oneOf`,
      // `anyOf`): kube-apiserver would refuse the whole document; we serve the rest instead.
      ctx.dropped(child(ctx, key).path, `${spec.name} has no field "${key}" in OpenAPI v2`);
    }
  }
  return out;
}
