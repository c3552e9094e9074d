import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const get = (path: string, accept?: string) => request(server.url, path, accept ? { accept } : {});

t.test('legacy discovery', async (t) => {
  t.match((await get('/api')).body, { kind: 'APIVersions', versions: ['v1'] });
  const groups = await get('/apis');
  t.match(groups.body, { kind: 'APIGroupList', groups: [{ name: 'converge.io', preferredVersion: { groupVersion: 'converge.io/v1alpha1' } }] });
  t.match((await get('/apis/converge.io')).body, { kind: 'APIGroup', name: 'converge.io' });
  const list = await get('/apis/converge.io/v1alpha1');
  const resources = list.body['resources'] as { name: string; kind: string; namespaced: boolean; shortNames?: string[]; verbs: string[]; singularName: string; categories?: string[] }[];
  const byName = new Map(resources.map((r) => [r.name, r]));
  for (const [plural, kind, short, namespaced] of [
    ['instances', 'Instance', 'inst', true],
    ['volumes', 'Volume', 'vol', true],
    ['buckets', 'Bucket', 'bkt', true],
    ['networks', 'Network', 'net', true],
    ['pools', 'Pool', 'pool', true],
    ['providerconfigs', 'ProviderConfig', 'pc', false],
  ] as const) {
    const r = byName.get(plural);
    t.ok(r, plural);
    t.equal(r?.kind, kind);
    t.equal(r?.namespaced, namespaced);
    t.ok(r?.shortNames?.includes(short), `${plural} short name ${short}`);
    t.ok(r?.singularName, 'singularName');
    t.ok(r?.categories?.includes('converge'));
    t.same([...(r?.verbs ?? [])].sort(), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    t.ok(byName.get(`${plural}/status`), `${plural}/status subresource`);
  }
  t.equal((await get('/apis/nope.io/v1')).status, 404);
});

t.test('aggregated discovery', async (t) => {
  const res = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json');
  t.match(res.headers.get('content-type'), /apidiscovery\.k8s\.io/);
  t.match(res.body, { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: 'converge.io' }, versions: [{ version: 'v1alpha1' }] }] });
});

t.test('version, health, metrics', async (t) => {
  t.match((await get('/version')).body, { major: '1', gitVersion: /converge/ });
  for (const p of ['/healthz', '/livez', '/readyz']) t.equal((await get(p)).status, 200, p);
  await get('/apis/converge.io/v1alpha1/instances');
  const metrics = await get('/metrics');
  t.match(metrics.text, /apiserver_request_total\{verb="list",group="converge.io",resource="instances",subresource="",code="200"\} \d+/);
  t.match(metrics.text, /converge_store_revision/);
});

t.test('openapi', async (t) => {
  const v2 = await get('/openapi/v2');
  t.equal(v2.status, 200);
  t.ok((v2.body['definitions'] as Record<string, unknown>)['io.converge.v1alpha1.Instance'], 'v2 has Instance');
  const pb = await get('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
  t.equal(pb.status, 200);
  t.match(pb.headers.get('content-type'), /protobuf/);
  const etag = v2.headers.get('etag') ?? '';
  const cached = await fetch(`${server.url}/openapi/v2`, { headers: { 'if-none-match': etag } });
  t.equal(cached.status, 304);
  const index = await get('/openapi/v3');
  const paths = index.body['paths'] as Record<string, { serverRelativeURL: string }>;
  const gv = paths['apis/converge.io/v1alpha1'];
  t.ok(gv, 'v3 index lists the group version');
  const doc = await get(gv!.serverRelativeURL);
  t.equal(doc.status, 200);
  t.ok(((doc.body['components'] as { schemas: Record<string, unknown> }).schemas)['io.converge.v1alpha1.Instance']);
});
