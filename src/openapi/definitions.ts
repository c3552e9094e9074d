/**
 * OpenAPI definitions of a kind and its list, named and shaped like kube-apiserver's for CRDs:
 * `io.converge.v1alpha1.Instance` with `x-kubernetes-group-version-kind`, metadata by reference to
 * ObjectMeta. References are bare definition names, resolved by the document builders.
 */
import type { JsonObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { isJsonObject, SchemaDialect, zodToOpenApi } from './jsonschema.js';
import { MetaName } from './meta.js';
import { definitionName } from './paths.js';

const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object, e.g. converge.io/v1alpha1. Servers convert recognized schemas to the latest internal value and may reject unrecognized values.';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents, in CamelCase, e.g. Instance. Cannot be updated.';

/** `spec`/`status`, or for core kinds with a top-level schema (Event) that schema's properties and required list. */
function body(type: ResourceType, dialect: typeof SchemaDialect.V2 | typeof SchemaDialect.V3): { properties: JsonObject; required: string[] } {
  if (type.topLevel === undefined) {
    // A spec whose schema accepts its absence (core v1 Namespace, defaulted) is optional, as in kube.
    const required = type.spec.safeParse(undefined).success ? [] : ['spec'];
    return { properties: { spec: zodToOpenApi(type.spec, dialect), status: zodToOpenApi(type.status, dialect) }, required };
  }
  const schema = zodToOpenApi(type.topLevel, dialect);
  const props = schema.properties;
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  return { properties: isJsonObject(props) ? props : {}, required: ['metadata', ...required] };
}

/** The definitions of `type` and its list for the v2 or v3 document. */
export function kindDefinitions(type: ResourceType, dialect: typeof SchemaDialect.V2 | typeof SchemaDialect.V3): Record<string, JsonObject> {
  const gvk = { group: type.group, kind: type.kind, version: type.version };
  const { properties, required } = body(type, dialect);
  const object: JsonObject = {
    description: type.description,
    type: 'object',
    required,
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: { $ref: MetaName.ObjectMeta, description: 'Standard object metadata: name, namespace, labels, annotations, ...' },
      ...properties,
    },
    'x-kubernetes-group-version-kind': [gvk],
  };
  const list: JsonObject = {
    description: `${type.kind}List is a list of ${type.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: { description: `List of ${type.plural}.`, type: 'array', items: { $ref: definitionName(type) } },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: { $ref: MetaName.ListMeta, description: 'Standard list metadata: resourceVersion and continue token.' },
    },
    'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${type.kind}List` }],
  };
  return { [definitionName(type)]: object, [definitionName(type, 'List')]: list };
}
