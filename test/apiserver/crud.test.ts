import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { ALL_INSTANCES, INSTANCES, PROVIDER_CONFIGS, instance } from './fixtures.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);
type Obj = { metadata: Record<string, unknown>; spec: Record<string, unknown>; status?: Record<string, unknown> };
const obj = (body: unknown) => body as Obj;

t.test('create, get, list', async (t) => {
  const created = await api(INSTANCES, { method: 'POST', json: instance('web-1') });
  t.equal(created.status, 201);
  const meta = obj(created.body).metadata;
  t.match(meta, { name: 'web-1', namespace: 'default', generation: 1 });
  t.match(meta['uid'], /^[0-9a-f-]{36}$/);
  t.match(meta['resourceVersion'], /^\d+$/);
  t.match(meta['creationTimestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.equal(obj(created.body).spec['runStrategy'], 'Always', 'defaults applied');

  const got = await api(`${INSTANCES}/web-1`);
  t.equal(got.status, 200);
  t.same(got.body, created.body);

  const again = await api(INSTANCES, { method: 'POST', json: instance('web-1') });
  t.equal(again.status, 409);
  t.match(again.body, { kind: 'Status', reason: 'AlreadyExists', message: 'instances.converge.io "web-1" already exists' });

  const list = await api(INSTANCES);
  t.equal(list.status, 200);
  t.match(list.body, { kind: 'InstanceList', apiVersion: 'converge.io/v1alpha1' });
  t.equal((list.body['items'] as unknown[]).length, 1);

  const missing = await api(`${INSTANCES}/nope`);
  t.equal(missing.status, 404);
  t.match(missing.body, { kind: 'Status', reason: 'NotFound', message: 'instances.converge.io "nope" not found' });
});

t.test('all-namespaces list and cluster-scoped kinds', async (t) => {
  await api('/apis/converge.io/v1alpha1/namespaces/team-b/instances', { method: 'POST', json: instance('db-1') });
  const all = await api(ALL_INSTANCES);
  const names = (all.body['items'] as Obj[]).map((i) => `${String(i.metadata['namespace'])}/${String(i.metadata['name'])}`);
  t.ok(names.includes('team-b/db-1') && names.includes('default/web-1'), `all namespaces listed: ${names.join(',')}`);
  const ns = await api('/apis/converge.io/v1alpha1/namespaces/team-b/instances');
  t.same((ns.body['items'] as Obj[]).map((i) => i.metadata['name']), ['db-1']);

  const pc = { apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name: 'default' }, spec: { driver: 'sim' } };
  const created = await api(PROVIDER_CONFIGS, { method: 'POST', json: pc });
  t.equal(created.status, 201, created.text);
  t.equal(obj(created.body).metadata['namespace'], undefined, 'cluster-scoped objects have no namespace');
  t.equal((await api(`${PROVIDER_CONFIGS}/default`)).status, 200);
  t.equal((await api('/apis/converge.io/v1alpha1/namespaces/default/providerconfigs/default')).status, 404);
});

t.test('update: resourceVersion precondition, generation bumps only on spec change', async (t) => {
  const current = obj((await api(`${INSTANCES}/web-1`)).body);
  const rv = current.metadata['resourceVersion'];
  const labelled = { ...current, metadata: { ...current.metadata, labels: { tier: 'web' } } };
  const put1 = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: labelled });
  t.equal(put1.status, 200, put1.text);
  t.equal(obj(put1.body).metadata['generation'], 1, 'metadata change keeps generation');
  t.not(obj(put1.body).metadata['resourceVersion'], rv);

  const stale = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: { ...labelled, spec: { ...current.spec, vcpus: 4 } } });
  t.equal(stale.status, 409, 'stale resourceVersion is a conflict');
  t.match(stale.body, { reason: 'Conflict', message: /the object has been modified/ });

  const fresh = obj(put1.body);
  const put2 = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: { ...fresh, spec: { ...fresh.spec, vcpus: 4 } } });
  t.equal(put2.status, 200);
  t.equal(obj(put2.body).metadata['generation'], 2, 'spec change bumps generation');

  const same = obj(put2.body);
  const put3 = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: same });
  t.equal(obj(put3.body).metadata['resourceVersion'], same.metadata['resourceVersion'], 'no-op update writes nothing');

  const noRv = { ...same, metadata: { ...same.metadata, resourceVersion: undefined } };
  const put4 = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: noRv });
  t.equal(put4.status, 422);
  t.match(put4.body, { details: { causes: [{ field: 'metadata.resourceVersion' }] } });

  const renamed = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: { ...same, metadata: { ...same.metadata, name: 'other' } } });
  t.equal(renamed.status, 400);
  t.equal((await api(`${INSTANCES}/ghost`, { method: 'PUT', json: instance('ghost') })).status, 404);
});

t.test('patch: merge patch and json patch', async (t) => {
  const merge = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: { spec: { memoryMiB: 1024 }, metadata: { labels: { tier: null, team: 'a' } } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(merge.status, 200, merge.text);
  t.equal(obj(merge.body).spec['memoryMiB'], 1024);
  t.same(obj(merge.body).metadata['labels'], { team: 'a' });
  t.equal(obj(merge.body).metadata['generation'], 3);

  const jp = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: [
      { op: 'test', path: '/spec/vcpus', value: 4 },
      { op: 'replace', path: '/spec/vcpus', value: 2 },
    ],
    contentType: 'application/json-patch+json',
  });
  t.equal(jp.status, 200, jp.text);
  t.equal(obj(jp.body).spec['vcpus'], 2);

  const failedTest = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: [{ op: 'test', path: '/spec/vcpus', value: 99 }],
    contentType: 'application/json-patch+json',
  });
  t.ok(failedTest.status >= 400 && failedTest.status < 500, `failed test op is a client error (${failedTest.status})`);

  const badType = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: { spec: { vcpus: 'two' } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(badType.status, 422);
  t.match(badType.body, { details: { causes: [{ field: 'spec.vcpus' }] } });

  const stalePrecondition = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: { metadata: { resourceVersion: '1' }, spec: { vcpus: 3 } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(stalePrecondition.status, 409, 'a resourceVersion in a patch is a precondition');

  const strategic = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: { spec: { vcpus: 3 } },
    contentType: 'application/strategic-merge-patch+json',
  });
  t.equal(strategic.status, 415);
});

t.test('immutable fields', async (t) => {
  const res = await api(`${INSTANCES}/web-1`, {
    method: 'PATCH',
    json: { spec: { providerRef: { name: 'other' } } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(res.status, 422, res.text);
  t.match(res.body, { details: { causes: [{ field: 'spec.providerRef' }] } });
  t.match(String(res.body['message']), /immutable/);
});

t.test('status subresource', async (t) => {
  const cur = obj((await api(`${INSTANCES}/web-1`)).body);
  const gen = cur.metadata['generation'];
  const status = { phase: 'Running', powerState: 'Running', addresses: ['10.0.0.5'] };
  const put = await api(`${INSTANCES}/web-1/status`, {
    method: 'PUT',
    json: { ...cur, spec: { ...cur.spec, vcpus: 16 }, status },
  });
  t.equal(put.status, 200, put.text);
  t.same(obj(put.body).status, status);
  t.equal(obj(put.body).spec['vcpus'], cur.spec['vcpus'], 'status update ignores spec');
  t.equal(obj(put.body).metadata['generation'], gen, 'status update keeps generation');

  const main = obj(put.body);
  const mainPut = await api(`${INSTANCES}/web-1`, { method: 'PUT', json: { ...main, status: { phase: 'Failed' } } });
  t.equal(obj(mainPut.body).status?.['phase'], 'Running', 'main update ignores status');

  const patch = await api(`${INSTANCES}/web-1/status`, {
    method: 'PATCH',
    json: { status: { powerState: 'Stopped' } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(obj(patch.body).status?.['powerState'], 'Stopped');
  const badStatus = await api(`${INSTANCES}/web-1/status`, {
    method: 'PATCH',
    json: { status: { powerState: 'Exploded' } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(badStatus.status, 422);
  t.match(badStatus.body, { details: { causes: [{ field: 'status.powerState' }] } });

  const created = await api(INSTANCES, { method: 'POST', json: { ...instance('with-status'), status: { phase: 'Running' } } });
  t.equal(obj(created.body).status, undefined, 'status in a create is dropped, like Kubernetes');
});

t.test('delete with finalizers', async (t) => {
  const created = await api(INSTANCES, { method: 'POST', json: instance('fin-1', { finalizers: ['converge.io/cleanup'] }) });
  t.equal(created.status, 201);
  const del = await api(`${INSTANCES}/fin-1`, { method: 'DELETE' });
  t.equal(del.status, 202, 'deletion waits for finalizers');
  const terminating = obj(del.body);
  t.ok(terminating.metadata['deletionTimestamp'], 'deletionTimestamp set');
  t.equal(terminating.metadata['generation'], 2, 'deletion bumps generation');
  t.equal((await api(`${INSTANCES}/fin-1`)).status, 200, 'still present');

  const addFinalizer = await api(`${INSTANCES}/fin-1`, {
    method: 'PATCH',
    json: { metadata: { finalizers: ['converge.io/cleanup', 'other.io/x'] } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(addFinalizer.status, 422, 'no new finalizers while deleting');

  const release = await api(`${INSTANCES}/fin-1`, {
    method: 'PATCH',
    json: { metadata: { finalizers: null } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(release.status, 200, release.text);
  t.equal((await api(`${INSTANCES}/fin-1`)).status, 404, 'removing the last finalizer deletes the object');

  await api(INSTANCES, { method: 'POST', json: instance('plain') });
  const plain = await api(`${INSTANCES}/plain`, { method: 'DELETE' });
  t.equal(plain.status, 200);
  t.match(plain.body, { kind: 'Status', status: 'Success', details: { name: 'plain', kind: 'instances' } });
  t.equal((await api(`${INSTANCES}/plain`, { method: 'DELETE' })).status, 404);

  await api(INSTANCES, { method: 'POST', json: instance('pre') });
  const wrongUid = await api(`${INSTANCES}/pre`, { method: 'DELETE', json: { preconditions: { uid: 'not-it' } } });
  t.equal(wrongUid.status, 409);
  t.equal((await api(`${INSTANCES}/pre`)).status, 200);
});

t.test('dryRun=All writes nothing', async (t) => {
  const before = await server.backend.stats();
  const create = await api(`${INSTANCES}?dryRun=All`, { method: 'POST', json: instance('dry') });
  t.equal(create.status, 201);
  t.equal(obj(create.body).metadata['name'], 'dry');
  const patch = await api(`${INSTANCES}/web-1?dryRun=All`, {
    method: 'PATCH',
    json: { spec: { vcpus: 8 } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(obj(patch.body).spec['vcpus'], 8);
  const del = await api(`${INSTANCES}/web-1?dryRun=All`, { method: 'DELETE' });
  t.equal(del.status, 200);
  t.equal((await server.backend.stats()).revision, before.revision, 'store revision unchanged');
  t.equal((await api(`${INSTANCES}/dry`)).status, 404);
  t.equal(obj((await api(`${INSTANCES}/web-1`)).body).spec['vcpus'], 2);
  t.equal((await api(`${INSTANCES}?dryRun=Some`, { method: 'POST', json: instance('dry') })).status, 422, 'bad dryRun is an invalid CreateOptions, like kube-apiserver');
});
