import t from 'tap';
import { z } from 'zod';
import type { JsonObject } from '../../schemas/object.js';
import { SchemaConversionError, SchemaDialect, toOpenApiSchema, zodToJsonSchema, zodToOpenApi } from '../../src/openapi/jsonschema.js';

t.test('zod to JSON Schema: input form, inlined, no $schema', async (t) => {
  const shared = z.strictObject({ name: z.string().describe('n') }).describe('ref');
  const s = z.strictObject({ a: shared, b: shared.optional(), c: z.number().int().default(3).describe('c') });
  const js = zodToJsonSchema(s);
  t.notOk('$schema' in js);
  t.notMatch(JSON.stringify(js), /\$ref|\$defs/, 'reused schemas are inlined');
  t.same(js.required, ['a'], 'defaulted and optional fields are not required');
  t.match(js, { properties: { c: { type: 'integer', default: 3, description: 'c' } } });
});

t.test('conversion rules per dialect', async (t) => {
  const cases: { name: string; input: JsonObject; dialect: SchemaDialect; want: JsonObject }[] = [
    { name: 'const becomes enum', input: { type: 'string', const: 'x' }, dialect: 'v3', want: { type: 'string', enum: ['x'] } },
    { name: 'integer exclusiveMinimum becomes minimum', input: { type: 'integer', exclusiveMinimum: 0 }, dialect: 'crd', want: { type: 'integer', minimum: 1 } },
    { name: 'number exclusiveMinimum becomes boolean form', input: { type: 'number', exclusiveMinimum: 0 }, dialect: 'v2', want: { type: 'number', minimum: 0, exclusiveMinimum: true } },
    { name: 'safe-integer bounds dropped', input: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }, dialect: 'v3', want: { type: 'integer' } },
    { name: 'nullable in v3', input: { type: ['string', 'null'] }, dialect: 'v3', want: { type: 'string', nullable: true } },
    { name: 'not nullable in v2', input: { type: ['string', 'null'] }, dialect: 'v2', want: { type: 'string' } },
    { name: 'strict objects lose additionalProperties:false', input: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, dialect: 'crd', want: { type: 'object', properties: { a: { type: 'string' } } } },
    { name: 'maps keep additionalProperties, drop propertyNames', input: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string' } }, dialect: 'v2', want: { type: 'object', additionalProperties: { type: 'string' } } },
    { name: 'any value is preserve-unknown-fields in v3/CRD', input: { description: 'x' }, dialect: 'crd', want: { description: 'x', 'x-kubernetes-preserve-unknown-fields': true } },
    { name: 'any value stays empty in v2', input: { description: 'x' }, dialect: 'v2', want: { description: 'x' } },
    { name: 'unknown formats dropped', input: { type: 'string', format: 'emoji' }, dialect: 'v3', want: { type: 'string' } },
    { name: 'known formats kept', input: { type: 'string', format: 'cidr' }, dialect: 'crd', want: { type: 'string', format: 'cidr' } },
    { name: 'unions dropped in v2', input: { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] }, dialect: 'v2', want: { type: 'string' } },
    { name: 'CEL rules dropped in v2', input: { type: 'object', 'x-kubernetes-validations': [{ rule: 'true' }] }, dialect: 'v2', want: { type: 'object' } },
    { name: 'uniqueItems dropped in CRDs', input: { type: 'array', items: { type: 'string' }, uniqueItems: true }, dialect: 'crd', want: { type: 'array', items: { type: 'string' } } },
  ];
  for (const c of cases) t.strictSame(toOpenApiSchema(c.input, c.dialect), c.want, c.name);
});

t.test('what cannot be expressed fails loudly, naming the path', async (t) => {
  const bad: [string, JsonObject, SchemaDialect, RegExp][] = [
    ['multiple types', { type: 'object', properties: { a: { type: ['string', 'number'] } } }, 'v2', /^a: multiple types/],
    ['tuples', { type: 'array', prefixItems: [{ type: 'string' }] }, 'v3', /prefixItems/],
    ['lookahead pattern', { type: 'string', pattern: '^(?!x).*$' }, 'crd', /RE2/],
    ['typed union in CRD', { anyOf: [{ type: 'string' }, { type: 'integer' }] }, 'crd', /structural/],
    ['unknown keyword', { type: 'string', contentEncoding: 'base64' }, 'v3', /contentEncoding/],
  ];
  for (const [name, input, dialect, message] of bad) {
    t.throws(() => toOpenApiSchema(input, dialect), { name: 'SchemaConversionError', message }, name);
  }
  t.throws(() => zodToOpenApi(z.union([z.string(), z.number()]), SchemaDialect.V2), SchemaConversionError);
});
