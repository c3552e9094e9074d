/**
 * OpenAPI v3 documents as kube-apiserver serves them: one self-contained document per group-version
 * at `/openapi/v3/<api|apis/group>/<version>`, and the `/openapi/v3` index pointing at them with a
 * content hash. kubectl reads these for `explain` and to learn that `fieldValidation` is supported.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
export type { OpenApiOptions } from './document.js';
import { kindDefinitions } from './definitions.js';
import { SchemaDialect } from './jsonschema.js';
import { resolveRefs } from './meta.js';
import { reachableMeta, sortedObject, type OpenApiOptions } from './document.js';
import { apiResourcesPath, resourcePaths, type OperationSpec, type ParamSpec, type PathSpec } from './paths.js';

const REF_PREFIX = '#/components/schemas/';

/** Index key of a group-version, e.g. `apis/converge.io/v1alpha1` or `api/v1`. */
export function openApiV3Key(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function parameter(p: ParamSpec): JsonObject {
  const out: JsonObject = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required === true) out.required = true;
  return out;
}

function content(types: readonly string[], ref: string): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: ref } }]));
}

function operation(o: OperationSpec): JsonObject {
  const out: JsonObject = { tags: [o.tag], description: o.description, operationId: o.operationId };
  if (o.params.length > 0) out.parameters = o.params.map(parameter);
  if (o.body !== undefined) out.requestBody = { content: content(o.consumes, o.body), required: true };
  const responses: JsonObject = {};
  for (const r of o.responses) {
    responses[r.code] = r.ref === undefined ? { description: r.description } : { description: r.description, content: content(o.produces, r.ref) };
  }
  out.responses = responses;
  out['x-kubernetes-action'] = o.action;
  if (o.gvk !== undefined) out['x-kubernetes-group-version-kind'] = { group: o.gvk.group, version: o.gvk.version, kind: o.gvk.kind };
  return out;
}

function pathItem(p: PathSpec): JsonObject {
  const out: JsonObject = {};
  for (const o of p.operations) out[o.method] = operation(o);
  if (p.params.length > 0) out.parameters = p.params.map(parameter);
  return out;
}

/** One OpenAPI v3 document per group-version of `types`, keyed by {@link openApiV3Key}. */
export function buildOpenApiV3(types: readonly ResourceType[], options: OpenApiOptions = {}): Record<string, JsonObject> {
  const byGv = new Map<string, ResourceType[]>();
  for (const t of types) {
    const key = openApiV3Key(t.group, t.version);
    byGv.set(key, [...(byGv.get(key) ?? []), t]);
  }
  const docs: Record<string, JsonObject> = {};
  for (const [key, gvTypes] of [...byGv.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const first = gvTypes[0];
    if (first === undefined) continue;
    const paths: Record<string, JsonValue> = {};
    for (const spec of [apiResourcesPath(first.group, first.version), ...gvTypes.flatMap(resourcePaths)]) paths[spec.path] = pathItem(spec);
    const kinds: Record<string, JsonObject> = {};
    for (const t of gvTypes) Object.assign(kinds, kindDefinitions(t, SchemaDialect.V3));
    const schemas = { ...reachableMeta([paths, kinds]), ...kinds };
    docs[key] = {
      openapi: '3.0.0',
      info: { title: options.title ?? 'Converge', version: options.version ?? 'v0.1.0' },
      paths: resolveRefs(sortedObject(paths), REF_PREFIX, true),
      components: {
        schemas: resolveRefs(sortedObject(schemas), REF_PREFIX, true),
        securitySchemes: {
          BearerToken: { type: 'apiKey', description: 'Bearer token authentication', name: 'authorization', in: 'header' },
        },
      },
      security: [{ BearerToken: [] }],
    };
  }
  return docs;
}

/** Hash kube-apiserver puts in `serverRelativeURL`: uppercase hex SHA-512 of the served JSON. */
export function openApiV3Hash(doc: JsonObject): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** The `/openapi/v3` index for `docs` (from {@link buildOpenApiV3}). */
export function buildOpenApiV3Index(docs: Readonly<Record<string, JsonObject>>): JsonObject {
  const paths: JsonObject = {};
  for (const key of Object.keys(docs).sort()) {
    const doc = docs[key];
    if (doc !== undefined) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiV3Hash(doc)}` };
  }
  return { paths };
}
