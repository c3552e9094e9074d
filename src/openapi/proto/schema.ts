/**
 * gnostic's model of a Swagger 2.0 Schema Object and the small messages it shares with the rest of
 * the document (ExternalDocs, Xml, the primitive validation keywords). Field tables mirror
 * OpenAPIv2.proto; JSON keys not listed are reported and dropped by `convertMessage`.
 */
import type { JsonValue } from '../../../schemas/object.js';
import {
  anys,
  anyValue,
  bool,
  convertMessage,
  double,
  int64,
  isJsonObject,
  message,
  namedMap,
  oneof,
  repeated,
  str,
  strings,
  type ConvertContext,
  type Converter,
  type FieldSpec,
  type MessageSpec,
  type ProtoMessage,
} from './fields.js';

const ext = 'vendor_extension';

/** `ExternalDocs`. */
export const externalDocs: Converter = message({
  name: 'ExternalDocs',
  fields: { description: ['description', str], url: ['url', str] },
  extensions: ext,
});

const xml: Converter = message({
  name: 'Xml',
  fields: {
    name: ['name', str],
    namespace: ['namespace', str],
    prefix: ['prefix', str],
    attribute: ['attribute', bool],
    wrapped: ['wrapped', bool],
  },
  extensions: ext,
});

/** Validation keywords shared by Schema, Header, PrimitivesItems and the non-body parameters. */
const validationKeywords: Readonly<Record<string, FieldSpec>> = {
  default: ['default', anyValue],
  maximum: ['maximum', double],
  exclusiveMaximum: ['exclusive_maximum', bool],
  minimum: ['minimum', double],
  exclusiveMinimum: ['exclusive_minimum', bool],
  maxLength: ['max_length', int64],
  minLength: ['min_length', int64],
  pattern: ['pattern', str],
  maxItems: ['max_items', int64],
  minItems: ['min_items', int64],
  uniqueItems: ['unique_items', bool],
  enum: ['enum', anys],
  multipleOf: ['multiple_of', double],
};

/** `PrimitivesItems`: the `items` of a non-body parameter or header (no schemas, no refs). */
const primitivesItems: Converter = (value, ctx) => convertMessage(value, primitivesItemsSpec, ctx);

/** Keywords of a primitive (non-body) value: its type plus validation. */
export const primitiveKeywords: Readonly<Record<string, FieldSpec>> = {
  type: ['type', str],
  format: ['format', str],
  items: ['items', primitivesItems],
  collectionFormat: ['collection_format', str],
  ...validationKeywords,
};

const primitivesItemsSpec: MessageSpec = { name: 'PrimitivesItems', fields: primitiveKeywords, extensions: ext };

/** `Header` of a response. */
export const header: Converter = message({
  name: 'Header',
  fields: { ...primitiveKeywords, description: ['description', str] },
  extensions: ext,
});

/** `Schema`, recursively. */
export function schema(value: JsonValue, ctx: ConvertContext): ProtoMessage | undefined {
  return convertMessage(value, schemaSpec, ctx);
}

// `type` is a string or a list of strings in JSON; gnostic always holds a list.
const typeItem: Converter = (value, ctx) => {
  if (typeof value === 'string') return { value: [value] };
  const list = strings(value, ctx);
  return list === undefined ? undefined : { value: list };
};

// gnostic's ItemsItem holds a list but its parser accepts only one schema, and kubectl's model parser
// rejects the whole document unless there is exactly one. Tuple-form `items: [A, B]` therefore
// becomes one empty (unconstrained) schema: elements go unchecked instead of validation breaking.
const itemsItem: Converter = (value, ctx) => {
  if (Array.isArray(value)) {
    ctx.dropped(ctx.path, 'tuple-form items (a list of schemas) is not supported; elements left unconstrained');
    return { schema: [{}] };
  }
  const one = schema(value, ctx);
  return one === undefined ? undefined : { schema: [one] };
};

// Oneof members have presence, so `additionalProperties: false` is encoded (it forbids unknown keys).
const additionalPropertiesItem: Converter = (value, ctx) => {
  if (typeof value === 'boolean') return { boolean: value };
  return oneof('schema', schema(value, ctx));
};

const schemaSpec: MessageSpec = {
  name: 'Schema',
  fields: {
    $ref: ['_ref', str],
    format: ['format', str],
    title: ['title', str],
    description: ['description', str],
    ...validationKeywords,
    maxProperties: ['max_properties', int64],
    minProperties: ['min_properties', int64],
    required: ['required', strings],
    additionalProperties: ['additional_properties', additionalPropertiesItem],
    type: ['type', typeItem],
    items: ['items', itemsItem],
    allOf: ['all_of', repeated(schema)],
    properties: ['properties', namedMap(schema)],
    discriminator: ['discriminator', str],
    readOnly: ['read_only', bool],
    xml: ['xml', xml],
    externalDocs: ['external_docs', externalDocs],
    example: ['example', anyValue],
  },
  extensions: ext,
};

const fileSchemaSpec: MessageSpec = {
  name: 'FileSchema',
  fields: {
    format: ['format', str],
    title: ['title', str],
    description: ['description', str],
    default: ['default', anyValue],
    required: ['required', strings],
    type: ['type', str],
    readOnly: ['read_only', bool],
    externalDocs: ['external_docs', externalDocs],
    example: ['example', anyValue],
  },
  extensions: ext,
};

/**
 * `SchemaItem` (a response's schema): oneof Schema / FileSchema. gnostic tries both and keeps the
 * last that parses; FileSchema only parses for `type: file` with no keys beyond its own, so that is
 * when we pick it too (anything else, e.g. `{type: string}` on pod logs, stays a Schema).
 */
export const schemaItem: Converter = (value, ctx) => {
  const fileShaped =
    isJsonObject(value) &&
    value['type'] === 'file' &&
    Object.keys(value).every((key) => key.startsWith('x-') || Object.hasOwn(fileSchemaSpec.fields, key));
  if (fileShaped) return oneof('file_schema', convertMessage(value, fileSchemaSpec, ctx));
  return oneof('schema', schema(value, ctx));
};

/** `JsonReference` (`{$ref, description}`), the alternative to an inline parameter or response. */
export const jsonReference: Converter = message({
  name: 'JsonReference',
  fields: { $ref: ['_ref', str], description: ['description', str] },
});

/** True for a JSON object carrying `$ref`, i.e. a reference rather than an inline definition. */
export function isReference(value: JsonValue): boolean {
  return isJsonObject(value) && '$ref' in value;
}
