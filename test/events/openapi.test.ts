import t from 'tap';
import { coreTypes, resourceTypes, servedTypes } from '../../schemas/index.js';
import { renderCrds } from '../../schemas/crd.js';
import { isJsonObject } from '../../src/openapi/jsonschema.js';
import { buildOpenApiV2 } from '../../src/openapi/v2.js';
import { buildOpenApiV3 } from '../../src/openapi/v3.js';
import { refs, undocumented } from '../openapi/helpers.js';

t.test('v3: Event gets its own api/v1 document with io.k8s.api.core.v1.Event and its GVK', async (t) => {
  const docs = buildOpenApiV3(servedTypes);
  t.same(Object.keys(docs).sort(), ['api/v1', 'apis/converge.io/v1alpha1', 'apis/coordination.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1']);
  const doc = docs['api/v1'] ?? {};
  const components = isJsonObject(doc.components) ? doc.components : {};
  const schemas = isJsonObject(components.schemas) ? components.schemas : {};
  const ev = schemas['io.k8s.api.core.v1.Event'];
  if (!isJsonObject(ev)) throw new Error('no io.k8s.api.core.v1.Event');
  t.same(ev['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Event', version: 'v1' }]);
  t.same(ev.required, ['metadata', 'involvedObject']);
  const props = isJsonObject(ev.properties) ? Object.keys(ev.properties) : [];
  for (const field of ['involvedObject', 'reason', 'message', 'type', 'count', 'firstTimestamp', 'lastTimestamp', 'source', 'reportingComponent', 'eventTime', 'action']) {
    t.ok(props.includes(field), field);
  }
  t.notOk(props.includes('spec'), 'no spec');
  t.strictSame(undocumented(ev), [], 'every property is documented');
  const missing = refs(doc).filter((r) => !(r.slice('#/components/schemas/'.length) in schemas));
  t.strictSame(missing, [], 'every $ref resolves inside the document');
  const paths = isJsonObject(doc.paths) ? Object.keys(doc.paths) : [];
  t.ok(paths.includes('/api/v1/namespaces/{namespace}/events/{name}'));
});

t.test('v2: definitions include the Event and EventList', async (t) => {
  const doc = buildOpenApiV2(servedTypes);
  const defs = isJsonObject(doc.definitions) ? doc.definitions : {};
  t.ok(isJsonObject(defs['io.k8s.api.core.v1.Event']));
  t.ok(isJsonObject(defs['io.k8s.api.core.v1.EventList']));
});

t.test('core kinds get no CRD and are not Converge kinds', async (t) => {
  t.same(coreTypes.map((c) => c.kind), ['Event', 'Secret', 'Namespace']);
  t.notOk(resourceTypes.some((r) => r.kind === 'Event'));
  t.same([...renderCrds(servedTypes).keys()], [...renderCrds(resourceTypes).keys()], 'crd: false kinds are skipped');
});
