/**
 * JSON Schema 2020-12 for whole objects, for editors (yaml-language-server, VS Code): completion and
 * validation of Converge manifests without a running server.
 */
import type { JsonObject } from '../../schemas/object.js';
import { apiVersionOf, type ResourceType } from '../../schemas/types.js';
import { zodToJsonSchema } from './jsonschema.js';

const METADATA: JsonObject = {
  type: 'object',
  description: 'Standard object metadata.',
  properties: {
    name: { type: 'string', description: 'Name, unique within the namespace (a DNS-1123 subdomain).' },
    generateName: { type: 'string', description: 'Prefix for a server-generated name when name is empty.' },
    namespace: { type: 'string', description: 'Namespace (a DNS-1123 label); omit for cluster-scoped kinds.' },
    labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels for selection.' },
    annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Free-form annotations for tools.' },
    finalizers: { type: 'array', items: { type: 'string' }, description: 'Keys that block deletion until removed.' },
  },
};

/** Schema of one whole object of `type` (apiVersion and kind fixed, spec required). */
export function editorJsonSchema(type: ResourceType): JsonObject {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: type.kind,
    description: type.description,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: apiVersionOf(type), description: 'API version of the object.' },
      kind: { const: type.kind, description: 'Kind of the object.' },
      metadata: METADATA,
      spec: zodToJsonSchema(type.spec),
      status: zodToJsonSchema(type.status),
    },
  };
}

/** One schema accepting an object of any of `types`, chosen by its `kind`. */
export function editorJsonSchemaBundle(types: readonly ResourceType[]): JsonObject {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Converge objects',
    oneOf: types.map((t) => {
      const { $schema: _ignored, ...rest } = editorJsonSchema(t);
      return rest;
    }),
  };
}
