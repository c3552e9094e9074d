import t from 'tap';
import type { JsonObject } from '../../schemas/object.js';
import { structuralProblems } from '../../src/openapi/structural.js';

const wrap = (spec: JsonObject): JsonObject => ({ type: 'object', properties: { metadata: { type: 'object' }, spec } });

t.test('structural schemas pass', async (t) => {
  t.strictSame(
    structuralProblems(
      wrap({
        type: 'object',
        properties: {
          any: { 'x-kubernetes-preserve-unknown-fields': true },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
          list: {
            type: 'array',
            items: { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] },
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
          },
        },
        oneOf: [{ required: ['a'] }, { required: ['b'] }],
      }),
    ),
    [],
  );
});

t.test('each violation is reported with its path', async (t) => {
  const cases: [string, JsonObject, RegExp][] = [
    ['missing type', wrap({ properties: { a: { type: 'string' } } }), /^spec: type is required/],
    ['nested missing type', wrap({ type: 'object', properties: { a: { description: 'x' } } }), /^spec\.a: type is required/],
    ['$ref', wrap({ type: 'object', properties: { a: { type: 'string', $ref: '#/x' } } }), /\$ref/],
    ['additionalProperties false', wrap({ type: 'object', additionalProperties: false }), /cannot be false/],
    ['properties and additionalProperties', wrap({ type: 'object', properties: {}, additionalProperties: { type: 'string' } }), /mutually exclusive/],
    ['uniqueItems', wrap({ type: 'array', items: { type: 'string' }, uniqueItems: true }), /uniqueItems/],
    ['array without items', wrap({ type: 'array' }), /single items schema/],
    ['type in anyOf', wrap({ type: 'string', anyOf: [{ type: 'string' }] }), /"type" is not allowed inside anyOf/],
    ['lookahead', wrap({ type: 'string', pattern: '(?=a)' }), /RE2/],
    ['list-map key optional', wrap({ type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] }), /required or have a default/],
    ['metadata with properties', { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string' } } } } }, /metadata: only/],
    ['root not an object', { type: 'string' }, /root/],
  ];
  for (const [name, schema, want] of cases) {
    const problems = structuralProblems(schema);
    t.ok(problems.some((p) => want.test(p)), `${name}: ${JSON.stringify(problems)}`);
  }
});
