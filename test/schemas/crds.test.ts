import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { JsonObject, JsonValue } from '../../schemas/object.js';
import { buildCrd, crdFileName, renderCrds } from '../../schemas/crd.js';
import { resourceTypes } from '../../schemas/index.js';
import { isJsonObject } from '../../src/openapi/jsonschema.js';
import { structuralProblems } from '../../src/openapi/structural.js';

const dir = fileURLToPath(new URL('../../manifests/crds/', import.meta.url));

t.test('checked-in CRDs equal fresh output', async (t) => {
  const fresh = renderCrds(resourceTypes);
  for (const [name, text] of fresh) {
    const path = `${dir}${name}`;
    t.ok(existsSync(path), `${name} exists (run npm run gen)`);
    if (existsSync(path)) t.ok(readFileSync(path, 'utf8') === text, `CRDs are stale: run npm run gen (${name})`);
  }
  const stray = readdirSync(dir).filter((f) => f.endsWith('.converge.io.yaml') && !fresh.has(f));
  t.strictSame(stray, [], 'no CRD files for kinds that no longer exist');
  t.equal(renderCrds(resourceTypes).get('instances.converge.io.yaml'), fresh.get('instances.converge.io.yaml'), 'deterministic');
});

function everyProperty(node: JsonValue, path: string, visit: (path: string, schema: JsonObject) => void): void {
  if (!isJsonObject(node)) return;
  const props = node.properties;
  if (isJsonObject(props)) {
    for (const [name, sub] of Object.entries(props)) {
      if (isJsonObject(sub)) visit(`${path}.${name}`, sub);
      everyProperty(sub, `${path}.${name}`, visit);
    }
  }
  if (node.items !== undefined) everyProperty(node.items, `${path}[]`, visit);
  if (node.additionalProperties !== undefined) everyProperty(node.additionalProperties, `${path}{}`, visit);
}

t.test('each CRD is a valid, structural, documented apiextensions.k8s.io/v1 CRD', async (t) => {
  for (const type of resourceTypes) {
    const crd = parse(readFileSync(`${dir}${crdFileName(type)}`, 'utf8')) as JsonValue;
    t.same(crd, buildCrd(type), `${type.kind}: file parses back to the CRD object`);
    t.match(crd, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${type.plural}.converge.io` },
      spec: {
        group: 'converge.io',
        scope: type.namespaced ? 'Namespaced' : 'Cluster',
        names: { kind: type.kind, listKind: `${type.kind}List`, plural: type.plural, singular: type.singular, shortNames: [...type.shortNames], categories: [...type.categories] },
        versions: [{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } }],
      },
    });
    const version = (buildCrd(type).spec as { versions: JsonObject[] }).versions[0];
    const columns = (version?.additionalPrinterColumns ?? []) as JsonObject[];
    t.same(columns.map((c) => c.name), [...type.printerColumns.map((c) => c.name), 'AGE'], `${type.kind}: printer columns plus AGE`);
    const schema = (version?.schema as { openAPIV3Schema: JsonObject }).openAPIV3Schema;
    t.strictSame(structuralProblems(schema), [], `${type.kind}: structural`);
    const undocumented: string[] = [];
    const props = isJsonObject(schema.properties) ? schema.properties : {};
    for (const part of ['spec', 'status']) {
      everyProperty({ properties: { [part]: props[part] ?? null } }, '', (path, s) => {
        if (typeof s.description !== 'string' || s.description.length === 0) undocumented.push(path);
      });
    }
    t.strictSame(undocumented, [], `${type.kind}: every spec/status field has a description`);
    const text = JSON.stringify(schema);
    t.notMatch(text, /"additionalProperties":false|"\$ref"|"const"|"propertyNames"|"\$schema"/, `${type.kind}: no JSON-Schema-only keywords`);
  }
});

function crdOf(kind: string): string {
  const type = resourceTypes.find((r) => r.kind === kind);
  if (type === undefined) throw new Error(`no kind ${kind}`);
  return JSON.stringify(buildCrd(type));
}

t.test('immutability and cross-field rules reach the CRD as CEL', async (t) => {
  const network = crdOf('Network');
  t.match(network, /has\(self.cidr\) != has\(self.poolRef\)/);
  t.match(network, /"rule":"self == oldSelf","message":"field is immutable"/);
  const pool = crdOf('Pool');
  t.notMatch(pool, /oldSelf/, 'Pool has no immutable fields');
});
