/**
 * The Swagger 2.0 document kube-apiserver serves at `/openapi/v2`. kubectl (1.20 and later) parses it
 * into typed models for client-side validation, `explain` and apply, so every `$ref` must resolve,
 * every schema has a single `type`, and operations carry `x-kubernetes-group-version-kind`. The
 * protobuf encoding of the same document is built from this JSON elsewhere.
 */
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { kindDefinitions } from './definitions.js';
import { SchemaDialect } from './jsonschema.js';
import { resolveRefs } from './meta.js';
import { apiResourcesPath, resourcePaths, type OperationSpec, type ParamSpec, type PathSpec } from './paths.js';
import { reachableMeta, sortedObject, type OpenApiOptions } from './document.js';

const REF_PREFIX = '#/definitions/';

function parameter(p: ParamSpec): JsonObject {
  const out: JsonObject = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required === true) out.required = true;
  return out;
}

function operation(o: OperationSpec): JsonObject {
  const params: JsonValue[] = [];
  if (o.body !== undefined) params.push({ name: 'body', in: 'body', required: true, schema: { $ref: o.body } });
  params.push(...o.params.map(parameter));
  const responses: JsonObject = {};
  for (const r of o.responses) {
    responses[r.code] = r.ref === undefined ? { description: r.description } : { description: r.description, schema: { $ref: r.ref } };
  }
  const out: JsonObject = {
    description: o.description,
    consumes: o.consumes.length > 0 ? [...o.consumes] : ['*/*'],
    produces: [...o.produces],
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
  };
  if (params.length > 0) out.parameters = params;
  out.responses = responses;
  out['x-kubernetes-action'] = o.action;
  if (o.gvk !== undefined) out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version };
  return out;
}

function pathItem(p: PathSpec): JsonObject {
  const out: JsonObject = {};
  for (const o of p.operations) out[o.method] = operation(o);
  if (p.params.length > 0) out.parameters = p.params.map(parameter);
  return out;
}


/** The `/openapi/v2` Swagger 2.0 document for all of `types`. */
export function buildOpenApiV2(types: readonly ResourceType[], options: OpenApiOptions = {}): JsonObject {
  const paths: Record<string, JsonValue> = {};
  const seenGv = new Set<string>();
  for (const t of types) {
    const gv = `${t.group}/${t.version}`;
    if (!seenGv.has(gv)) {
      seenGv.add(gv);
      const spec = apiResourcesPath(t.group, t.version);
      paths[spec.path] = pathItem(spec);
    }
    for (const spec of resourcePaths(t)) paths[spec.path] = pathItem(spec);
  }
  const kinds: Record<string, JsonObject> = {};
  for (const t of types) Object.assign(kinds, kindDefinitions(t, SchemaDialect.V2));
  const definitions = { ...reachableMeta([paths, kinds]), ...kinds };
  return {
    swagger: '2.0',
    info: { title: options.title ?? 'Converge', version: options.version ?? 'v0.1.0' },
    paths: resolveRefs(sortedObject(paths), REF_PREFIX, false),
    definitions: resolveRefs(sortedObject(definitions), REF_PREFIX, false),
    securityDefinitions: {
      BearerToken: { description: 'Bearer token authentication', type: 'apiKey', name: 'authorization', in: 'header' },
    },
    security: [{ BearerToken: [] }],
  };
}
