import t from 'tap';
import type { JsonObject } from '../../schemas/object.js';
import { resourceTypes } from '../../schemas/index.js';
import { isJsonObject } from '../../src/openapi/jsonschema.js';
import { definitionName } from '../../src/openapi/paths.js';
import { buildOpenApiV2 } from '../../src/openapi/v2.js';
import { explain, refs, undocumented, walk } from './helpers.js';

const doc = buildOpenApiV2(resourceTypes);
const definitions = isJsonObject(doc.definitions) ? doc.definitions : {};
const paths = isJsonObject(doc.paths) ? doc.paths : {};

t.test('is a JSON Swagger 2.0 document', async (t) => {
  t.equal(doc.swagger, '2.0');
  t.same(JSON.parse(JSON.stringify(doc)), doc, 'round-trips through JSON unchanged');
  t.same(buildOpenApiV2(resourceTypes), doc, 'deterministic');
});

t.test('every kind has documented definitions with its GVK', async (t) => {
  for (const type of resourceTypes) {
    const name = definitionName(type);
    t.equal(name, `io.converge.v1alpha1.${type.kind}`);
    const def = definitions[name];
    if (!isJsonObject(def)) {
      t.fail(`missing ${name}`);
      continue;
    }
    t.same(def['x-kubernetes-group-version-kind'], [{ group: 'converge.io', kind: type.kind, version: 'v1alpha1' }]);
    t.same(definitions[`${name}List`] && (definitions[`${name}List`] as JsonObject)['x-kubernetes-group-version-kind'], [{ group: 'converge.io', kind: `${type.kind}List`, version: 'v1alpha1' }]);
    t.equal(def.description, type.description);
    t.strictSame(undocumented(def), [], `${type.kind}: every property has a description`);
    t.match(def, { properties: { metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } } });
  }
});

t.test('only constructs kubectl 1.20 can parse', async (t) => {
  const problems: string[] = [];
  walk(doc, '', (node, path) => {
    if (path.includes('/x-kubernetes-')) return;
    if (Array.isArray(node.type)) problems.push(`${path}: type array`);
    for (const k of ['nullable', 'anyOf', 'oneOf', 'const', 'prefixItems', '$defs', 'x-kubernetes-validations']) {
      if (k in node) problems.push(`${path}: ${k}`);
    }
    if (node.additionalProperties === false) problems.push(`${path}: additionalProperties false`);
  });
  t.strictSame(problems, []);
  const missing = refs(doc).filter((r) => !r.startsWith('#/definitions/') || !(r.slice('#/definitions/'.length) in definitions));
  t.strictSame(missing, [], 'every $ref resolves');
});

t.test('paths and operations per kind, as kube-apiserver lays them out', async (t) => {
  t.ok(isJsonObject(paths['/apis/converge.io/v1alpha1/']), 'APIResourceList path');
  t.ok(isJsonObject(paths['/apis/converge.io/v1alpha1/namespaces/{namespace}/instances/{name}/status']));
  t.ok(isJsonObject(paths['/apis/converge.io/v1alpha1/instances']), 'all-namespaces list');
  t.ok(isJsonObject(paths['/apis/converge.io/v1alpha1/providerconfigs/{name}']), 'cluster-scoped item');
  t.notOk('/apis/converge.io/v1alpha1/namespaces/{namespace}/providerconfigs' in paths);
  const ids = new Set<string>();
  for (const type of resourceTypes) {
    // kubectl's dry-run check: the first PATCH operation for the GVK must list dryRun itself.
    const patch = Object.values(paths)
      .map((p) => (isJsonObject(p) && isJsonObject(p.patch) ? p.patch : undefined))
      .find((op) => op !== undefined && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group: 'converge.io', kind: type.kind, version: 'v1alpha1' }));
    t.ok(patch, `${type.kind} has a PATCH operation`);
    const params = Array.isArray(patch?.parameters) ? patch.parameters : [];
    const names = params.map((p) => (isJsonObject(p) ? p.name : undefined));
    t.ok(names.includes('dryRun') && names.includes('fieldValidation') && names.includes('fieldManager'), `${type.kind} PATCH params`);
    t.match(patch, { 'x-kubernetes-action': 'patch', consumes: ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] });
  }
  for (const item of Object.values(paths)) {
    if (!isJsonObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters' || !isJsonObject(op)) continue;
      const id = String(op.operationId);
      t.notOk(ids.has(id), `operationId ${id} is unique`);
      ids.add(id);
    }
  }
  t.ok(ids.has('patchConvergeIoV1alpha1NamespacedInstanceStatus'));
  t.ok(ids.has('listConvergeIoV1alpha1InstanceForAllNamespaces'));
  t.ok(ids.has('readConvergeIoV1alpha1ProviderConfig'));
});

t.test('kubectl explain finds field documentation', async (t) => {
  const inst = definitions['io.converge.v1alpha1.Instance'];
  if (!isJsonObject(inst)) throw new Error('no Instance');
  t.match(explain(doc, inst, ['spec', 'memoryMiB'])?.description, /MiB/);
  t.match(explain(doc, inst, ['spec', 'networks', 'networkRef', 'name'])?.description, /Network/);
  t.match(explain(doc, inst, ['metadata', 'labels'])?.description, /label selectors/);
  t.match(explain(doc, inst, ['status', 'conditions', 'type'])?.description, /Ready/);
  t.equal(explain(doc, inst, ['spec', 'memory']), undefined);
});
