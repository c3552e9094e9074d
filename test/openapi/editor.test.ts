import t from 'tap';
import { resourceTypes } from '../../schemas/index.js';
import { editorJsonSchema, editorJsonSchemaBundle } from '../../src/openapi/editor.js';

t.test('editor schemas pin apiVersion and kind and carry the spec docs', async (t) => {
  for (const type of resourceTypes) {
    const s = editorJsonSchema(type);
    t.match(s, {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: { apiVersion: { const: 'converge.io/v1alpha1' }, kind: { const: type.kind }, spec: { type: 'object', additionalProperties: false } },
    });
    t.notMatch(JSON.stringify(s), /"\$ref"/, `${type.kind}: self-contained`);
  }
  const bundle = editorJsonSchemaBundle(resourceTypes);
  t.equal((bundle.oneOf as unknown[]).length, resourceTypes.length);
  t.notMatch(JSON.stringify(bundle.oneOf), /\$schema/, 'nested schemas drop $schema');
});
