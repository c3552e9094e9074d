/**
 * Namespace objects over the Kubernetes API (no controllers: the states asserted are the registry's own):
 * create/get/list, defaulting (phase Active, spec.finalizers ["kubernetes"]), the NAME/STATUS/AGE table,
 * name validation, the status subresource at `/api/v1/namespaces/<name>/status`, DELETE → Terminating,
 * kube's 403 for creates in a terminating namespace (nothing stored, dry-run too), the built-in namespaces
 * that may not be deleted, implicit namespaces that keep working, and removal once the finalizer goes.
 */
import t from 'tap';
import { namespaceType, secretType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { request } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const client = createInProcessClient({ registry: server.registry });
const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const secret = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { k: 'v' } });
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

t.test('create, get and list: phase Active and finalizer kubernetes defaulted', async (t) => {
  const created = await request(server.url, '/api/v1/namespaces', { method: 'POST', json: ns('team-a') });
  t.equal(created.status, 201, created.text);
  t.match(created.body, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  t.notOk((created.body['metadata'] as Record<string, unknown>)['namespace'], 'cluster-scoped: no metadata.namespace');

  const got = await request(server.url, '/api/v1/namespaces/team-a');
  t.equal(got.status, 200, got.text);
  t.match(got.body, { status: { phase: 'Active' } });

  const list = await request(server.url, '/api/v1/namespaces');
  t.equal(list.status, 200, list.text);
  t.equal(list.body['kind'], 'NamespaceList');
  t.ok((list.body['items'] as KubeObject[]).some((i) => i.metadata.name === 'team-a'));

  const table = await request(server.url, '/api/v1/namespaces', { accept: TABLE });
  t.equal(table.status, 200, table.text);
  const columns = (table.body['columnDefinitions'] as { name: string }[]).map((c) => c.name);
  t.same(columns, ['Name', 'Status', 'Age']);
  const rows = table.body['rows'] as { cells: unknown[] }[];
  t.match(rows.find((r) => r.cells[0] === 'team-a')?.cells, ['team-a', 'Active']);
});

t.test('names must be DNS-1123 labels; clients cannot set the phase on create', async (t) => {
  for (const name of ['Team-A', 'a.b', 'x'.repeat(64)]) {
    const res = await request(server.url, '/api/v1/namespaces', { method: 'POST', json: ns(name) });
    t.equal(res.status, 422, `${name}: ${res.text}`);
    t.match(res.text, /metadata\.name/);
  }
  const res = await request(server.url, '/api/v1/namespaces', { method: 'POST', json: { ...ns('phase-set'), status: { phase: 'Terminating' } } });
  t.equal(res.status, 201, res.text);
  t.match(res.body, { status: { phase: 'Active' } });
});

t.test('status subresource: /api/v1/namespaces/<name>/status writes status only', async (t) => {
  await client.create(namespaceType, ns('with-status') as KubeObject);
  const current = await request(server.url, '/api/v1/namespaces/with-status');
  const body = { ...current.body, spec: { finalizers: [] }, status: { phase: 'Active', conditions: [{ type: 'Custom', status: 'True', reason: 'Test', message: 'hi' }] } };
  const res = await request(server.url, '/api/v1/namespaces/with-status/status', { method: 'PUT', json: body });
  t.equal(res.status, 200, res.text);
  t.match(res.body, { spec: { finalizers: ['kubernetes'] }, status: { conditions: [{ type: 'Custom', message: 'hi' }] } });
});

t.test('DELETE marks the namespace Terminating; creates in it are refused with kube 403', async (t) => {
  await client.create(namespaceType, ns('doomed') as KubeObject);
  await client.create(secretType, secret('doomed', 'before') as unknown as KubeObject);
  const deleted = await request(server.url, '/api/v1/namespaces/doomed', { method: 'DELETE' });
  // 202 with the object, as for every object that waits for finalizers here (kube-apiserver says 200).
  t.equal(deleted.status, 202, deleted.text);
  t.match(deleted.body, { kind: 'Namespace', status: { phase: 'Terminating' }, spec: { finalizers: ['kubernetes'] } });
  t.ok((deleted.body['metadata'] as Record<string, unknown>)['deletionTimestamp'], 'deletionTimestamp set');

  const cases = [
    { what: 'create', query: '' },
    { what: 'dry-run create', query: '?dryRun=All' },
  ];
  for (const c of cases) {
    const refused = await request(server.url, `/api/v1/namespaces/doomed/secrets${c.query}`, { method: 'POST', json: secret('doomed', 'after') });
    t.equal(refused.status, 403, `${c.what}: ${refused.text}`);
    t.equal(refused.body['reason'], 'Forbidden');
    t.equal(refused.body['message'], 'secrets "after" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  }
  const applied = await request(server.url, '/apis/converge.io/v1alpha1/namespaces/doomed/pools/p?fieldManager=test', {
    method: 'PATCH',
    contentType: 'application/apply-patch+yaml',
    json: { apiVersion: 'converge.io/v1alpha1', kind: 'Pool', metadata: { name: 'p' }, spec: { cidrs: ['10.1.0.0/24'] } },
  });
  t.equal(applied.status, 403, applied.text);
  t.equal(applied.body['message'], 'pools.converge.io "p" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  const stored = await request(server.url, '/api/v1/namespaces/doomed/secrets');
  t.same((stored.body['items'] as KubeObject[]).map((i) => i.metadata.name), ['before'], 'nothing new stored');

  // Updates of existing content stay allowed (controllers must be able to finish their work).
  const patched = await request(server.url, '/api/v1/namespaces/doomed/secrets/before', { method: 'PATCH', contentType: 'application/merge-patch+json', json: { metadata: { labels: { a: 'b' } } } });
  t.equal(patched.status, 200, patched.text);

  // A status write cannot make a terminating namespace Active again, and no finalizer may be added.
  const cur = await request(server.url, '/api/v1/namespaces/doomed');
  const statusPut = await request(server.url, '/api/v1/namespaces/doomed/status', { method: 'PUT', json: { ...cur.body, status: { phase: 'Active' } } });
  t.equal(statusPut.status, 200, statusPut.text);
  t.match(statusPut.body, { status: { phase: 'Terminating' } });
  const added = await request(server.url, '/api/v1/namespaces/doomed', { method: 'PATCH', contentType: 'application/merge-patch+json', json: { spec: { finalizers: ['kubernetes', 'example.com/x'] } } });
  t.equal(added.status, 422, added.text);

  // A status-only write keeps it (spec.finalizers still hold it); removing the finalizer removes it.
  const finalized = await request(server.url, '/api/v1/namespaces/doomed', { method: 'PATCH', contentType: 'application/merge-patch+json', json: { spec: { finalizers: [] } } });
  t.equal(finalized.status, 200, finalized.text);
  const gone = await request(server.url, '/api/v1/namespaces/doomed');
  t.equal(gone.status, 404, gone.text);
  // Once gone the namespace is implicit again: creating in it works.
  const again = await request(server.url, '/api/v1/namespaces/doomed/secrets', { method: 'POST', json: secret('doomed', 'after') });
  t.equal(again.status, 201, again.text);
});

t.test('built-in namespaces may not be deleted', async (t) => {
  for (const name of ['default', 'converge-system']) {
    await client.patch(namespaceType, undefined, name, { type: 'apply', body: ns(name) as KubeObject }, { fieldManager: 'test' });
    const res = await request(server.url, `/api/v1/namespaces/${name}`, { method: 'DELETE' });
    t.equal(res.status, 403, res.text);
    t.equal(res.body['message'], `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    const still = await request(server.url, `/api/v1/namespaces/${name}`);
    t.match(still.body, { status: { phase: 'Active' } });
    t.notOk((still.body['metadata'] as Record<string, unknown>)['deletionTimestamp']);
  }
});

t.test('implicit namespaces: objects in a namespace without a Namespace object are allowed', async (t) => {
  const res = await request(server.url, '/api/v1/namespaces/never-created/secrets', { method: 'POST', json: secret('never-created', 's') });
  t.equal(res.status, 201, res.text);
  const missing = await request(server.url, '/api/v1/namespaces/never-created');
  t.equal(missing.status, 404, 'no Namespace object was made for it');
});

t.test('discovery lists namespaces (short name ns) with its status subresource', async (t) => {
  const res = await request(server.url, '/api/v1');
  const resources = res.body['resources'] as { name: string; namespaced: boolean; shortNames?: string[]; kind: string }[];
  t.match(resources.find((r) => r.name === 'namespaces'), { namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
  t.ok(resources.find((r) => r.name === 'namespaces/status'), 'namespaces/status listed');
});
