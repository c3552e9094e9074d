import t from 'tap';
import type { JsonObject } from '../../schemas/object.js';
import { resourceTypes } from '../../schemas/index.js';
import { isJsonObject } from '../../src/openapi/jsonschema.js';
import { buildOpenApiV3, buildOpenApiV3Index, openApiV3Hash } from '../../src/openapi/v3.js';
import { explain, refs, undocumented, walk } from './helpers.js';

const docs = buildOpenApiV3(resourceTypes);
const doc = docs['apis/converge.io/v1alpha1'] ?? {};
const components = isJsonObject(doc.components) ? doc.components : {};
const schemas = isJsonObject(components.schemas) ? components.schemas : {};
const paths = isJsonObject(doc.paths) ? doc.paths : {};

t.test('one self-contained document per group-version', async (t) => {
  t.same(Object.keys(docs), ['apis/converge.io/v1alpha1']);
  t.equal(doc.openapi, '3.0.0');
  t.same(JSON.parse(JSON.stringify(doc)), doc, 'round-trips through JSON unchanged');
  const missing = refs(doc).filter((r) => !r.startsWith('#/components/schemas/') || !(r.slice('#/components/schemas/'.length) in schemas));
  t.strictSame(missing, [], 'every $ref resolves inside the document');
  for (const name of ['ObjectMeta', 'ListMeta', 'Status', 'DeleteOptions', 'Patch', 'Time', 'ManagedFieldsEntry', 'OwnerReference']) {
    t.ok(isJsonObject(schemas[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`]), `${name} included`);
  }
  const siblings: string[] = [];
  walk(doc, '', (node, path) => {
    if (typeof node.$ref === 'string' && Object.keys(node).length > 1) siblings.push(path);
  });
  t.strictSame(siblings, [], '$ref never has siblings (OpenAPI 3.0 would ignore them); allOf wraps instead');
});

t.test('kinds carry their GVK and documentation', async (t) => {
  for (const type of resourceTypes) {
    const def = schemas[`io.converge.v1alpha1.${type.kind}`];
    if (!isJsonObject(def)) {
      t.fail(`no schema for ${type.kind}`);
      continue;
    }
    t.same(def['x-kubernetes-group-version-kind'], [{ group: 'converge.io', kind: type.kind, version: 'v1alpha1' }]);
    t.ok(isJsonObject(schemas[`io.converge.v1alpha1.${type.kind}List`]));
    t.strictSame(undocumented(def), [], `${type.kind}: every property has a description`);
    t.match(def, { properties: { metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] } } });
  }
  const inst = schemas['io.converge.v1alpha1.Instance'];
  if (!isJsonObject(inst)) throw new Error('no Instance');
  t.match(explain(doc, inst, ['spec', 'runStrategy']), { type: 'string', enum: ['Always', 'Halted'], default: 'Always' });
  t.match(explain(doc, inst, ['metadata', 'creationTimestamp']), { type: 'string', format: 'date-time' });
  t.match(explain(doc, inst, ['status', 'drift', 'desired']), { 'x-kubernetes-preserve-unknown-fields': true });
  const net = schemas['io.converge.v1alpha1.Network'];
  if (!isJsonObject(net)) throw new Error('no Network');
  t.match(explain(doc, net, ['spec']), { 'x-kubernetes-validations': [{ rule: 'has(self.cidr) != has(self.poolRef)' }] });
});

/** kubectl's supportsQueryParamV3: the first PATCH operation with the GVK must list the parameter. */
function supportsQueryParam(d: JsonObject, kind: string, param: string): boolean {
  for (const item of Object.values(isJsonObject(d.paths) ? d.paths : {})) {
    const op = isJsonObject(item) && isJsonObject(item.patch) ? item.patch : undefined;
    if (op === undefined) continue;
    const gvk = op['x-kubernetes-group-version-kind'];
    if (!isJsonObject(gvk) || gvk.group !== 'converge.io' || gvk.version !== 'v1alpha1' || gvk.kind !== kind) continue;
    return (Array.isArray(op.parameters) ? op.parameters : []).some((p) => isJsonObject(p) && p.name === param);
  }
  return false;
}

t.test('kubectl sees fieldValidation support for every kind', async (t) => {
  for (const type of resourceTypes) t.ok(supportsQueryParam(doc, type.kind, 'fieldValidation'), type.kind);
  t.notOk(supportsQueryParam(doc, 'Pod', 'fieldValidation'), 'unknown kinds are not claimed');
  const patch = (paths['/apis/converge.io/v1alpha1/namespaces/{namespace}/volumes/{name}'] as JsonObject | undefined)?.patch;
  t.match(patch, {
    requestBody: { required: true, content: { 'application/apply-patch+yaml': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } } } },
    responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/io.converge.v1alpha1.Volume' } } } } },
  });
});

t.test('the /openapi/v3 index points at each document with its content hash', async (t) => {
  const index = buildOpenApiV3Index(docs);
  const hash = openApiV3Hash(doc);
  t.match(hash, /^[0-9A-F]{128}$/);
  t.same(index, { paths: { 'apis/converge.io/v1alpha1': { serverRelativeURL: `/openapi/v3/apis/converge.io/v1alpha1?hash=${hash}` } } });
  const changed = buildOpenApiV3(resourceTypes.slice(1));
  t.not(openApiV3Hash(changed['apis/converge.io/v1alpha1'] ?? {}), hash, 'the hash changes with the content');
  t.equal(openApiV3Hash(buildOpenApiV3(resourceTypes)['apis/converge.io/v1alpha1'] ?? {}), hash, 'and is stable otherwise');
});
