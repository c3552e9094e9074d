/**
 * Core v1 Secrets over HTTP, as kube-apiserver serves them: stringData folded into data on every write path
 * and never returned, data keys and base64 validated (422 naming `data[key]`), immutable Secrets, the
 * NAME/TYPE/DATA/AGE table, and the in-process client taking the same path.
 */
import t from 'tap';
import { secretType } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend } from '../../src/store/index.js';
import { request, type HttpResult } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);
const SECRETS = '/api/v1/namespaces/default/secrets';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function secret(name: string, fields: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...fields };
}

type Cause = { field: string; message: string; reason: string };
function causesOf(res: HttpResult): Cause[] {
  const details = res.body['details'] as { causes?: Cause[] } | undefined;
  return details?.causes ?? [];
}

t.test('stringData is stored as base64 data and never returned', async (t) => {
  const created = await api(SECRETS, {
    method: 'POST',
    json: secret('s3-creds', { data: { region: b64('eu-1') }, stringData: { accessKey: 'AKIA123', secretKey: 'p@ss wörd', region: 'us-2' } }),
  });
  t.equal(created.status, 201, created.text);
  t.same(created.body['data'], { accessKey: b64('AKIA123'), secretKey: b64('p@ss wörd'), region: b64('us-2') }, 'stringData wins over data');
  t.equal(created.body['type'], 'Opaque', 'type defaults to Opaque');
  t.notOk('stringData' in created.body, 'create response has no stringData');

  const got = await api(`${SECRETS}/s3-creds`);
  t.equal(got.status, 200);
  t.same(got.body['data'], created.body['data']);
  t.notOk('stringData' in got.body, 'GET has no stringData');
  const list = await api(SECRETS);
  t.notMatch(list.text, /stringData|AKIA123/, 'nor does a list, in plain text');
  const stored = await server.backend.get('/registry/core/secrets/default/s3-creds');
  t.ok(stored, 'stored under /registry/core/secrets');
  t.notMatch(stored?.value ?? '', /stringData|AKIA123/, 'the store keeps only base64 data');
});

const writePaths = [
  {
    name: 'merge patch',
    write: () => api(`${SECRETS}/paths`, { method: 'PATCH', json: { stringData: { token: 'two' } }, contentType: 'application/merge-patch+json' }),
  },
  {
    name: 'JSON patch',
    write: () => api(`${SECRETS}/paths`, { method: 'PATCH', json: [{ op: 'add', path: '/stringData', value: { token: 'two' } }], contentType: 'application/json-patch+json' }),
  },
  {
    name: 'strategic merge patch',
    write: () => api(`${SECRETS}/paths`, { method: 'PATCH', json: { stringData: { token: 'two' } }, contentType: 'application/strategic-merge-patch+json' }),
  },
  {
    name: 'server-side apply',
    write: () => api(`${SECRETS}/paths?fieldManager=test`, { method: 'PATCH', json: secret('paths', { stringData: { token: 'two' } }), contentType: 'application/apply-patch+yaml' }),
  },
  {
    name: 'PUT',
    write: async () => {
      const current = await api(`${SECRETS}/paths`);
      return api(`${SECRETS}/paths`, { method: 'PUT', json: { ...current.body, stringData: { token: 'two' } } });
    },
  },
];
for (const path of writePaths) {
  t.test(`${path.name} folds stringData into data`, async (t) => {
    await api(`${SECRETS}/paths`, { method: 'DELETE' });
    const created = await api(SECRETS, { method: 'POST', json: secret('paths', { stringData: { token: 'one', keep: 'k' } }) });
    t.equal(created.status, 201, created.text);
    const res = await path.write();
    t.equal(res.status, 200, res.text);
    t.same(res.body['data'], { token: b64('two'), keep: b64('k') });
    t.notOk('stringData' in res.body);
    const got = await api(`${SECRETS}/paths`);
    t.same(got.body['data'], { token: b64('two'), keep: b64('k') });
  });
}

t.test('strategic merge patches that are not plain merge patches are refused with 415', async (t) => {
  await api(SECRETS, { method: 'POST', json: secret('smp', { stringData: { k: 'v' } }) });
  const refused = [
    { body: { data: { $patch: 'replace', k: b64('w') } }, message: /directive "\$patch"/ },
    { body: { metadata: { finalizers: ['example.com/keep'] } }, message: /metadata\.finalizers/ },
  ];
  for (const r of refused) {
    const res = await api(`${SECRETS}/smp`, { method: 'PATCH', json: r.body, contentType: 'application/strategic-merge-patch+json' });
    t.equal(res.status, 415, res.text);
    t.match(res.body['message'], r.message);
  }
  const got = await api(`${SECRETS}/smp`);
  t.same(got.body['data'], { k: b64('v') }, 'nothing written');
});

t.test('server-side apply creates a Secret from stringData and a repeated apply writes nothing', async (t) => {
  const apply = () =>
    api(`${SECRETS}/applied?fieldManager=test`, { method: 'PATCH', json: secret('applied', { stringData: { password: 'x' } }), contentType: 'application/apply-patch+yaml' });
  const first = await apply();
  t.equal(first.status, 201, first.text);
  t.same(first.body['data'], { password: b64('x') });
  const second = await apply();
  t.equal(second.status, 200, second.text);
  const meta = (r: HttpResult) => (r.body['metadata'] as { resourceVersion: string }).resourceVersion;
  t.equal(meta(second), meta(first), 'unchanged resourceVersion');
});

const invalid = [
  { name: 'data value that is not base64', fields: { data: { k: 'not base64!' } }, field: 'data[k]', message: /illegal base64 data at input byte 3/ },
  { name: 'data value with bad padding', fields: { data: { k: 'YWJj=' } }, field: 'data[k]', message: /illegal base64 data/ },
  { name: 'data key with a space', fields: { data: { 'a b': b64('v') } }, field: 'data[a b]', message: /valid config key/ },
  { name: 'stringData key "..x"', fields: { stringData: { '..x': 'v' } }, field: 'stringData[..x]', message: /must not start with '\.\.'/ },
  { name: 'more than 1 MiB of data', fields: { stringData: { big: 'x'.repeat(1024 * 1024) } }, field: 'data', message: /at most 1048576 bytes/ },
  { name: 'data value that is not a string', fields: { data: { k: 5 } }, field: 'data.k', message: /string/ },
  { name: 'a TLS Secret without tls.key', fields: { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } }, field: 'data[tls.key]', message: /Required value/ },
  { name: 'a basic-auth Secret with neither username nor password', fields: { type: 'kubernetes.io/basic-auth', stringData: { other: 'x' } }, field: 'data[username]', message: /Required value/ },
  { name: 'a dockerconfigjson that is not JSON', fields: { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{not json!' } }, field: 'data[.dockerconfigjson]', message: /secret contents redacted.*valid JSON/ },
  { name: 'a service-account-token without its annotation', fields: { type: 'kubernetes.io/service-account-token' }, field: 'metadata.annotations[kubernetes.io/service-account.name]', message: /Required value/ },
];
for (const c of invalid) {
  t.test(`422 for ${c.name}`, async (t) => {
    const res = await api(SECRETS, { method: 'POST', json: secret('bad', c.fields) });
    t.equal(res.status, 422, res.text);
    t.match(res.body, { kind: 'Status', reason: 'Invalid' });
    t.match(causesOf(res), [{ field: c.field, message: c.message }]);
    t.notMatch(res.text, /not base64!|x{64}|not json!/, 'the value is not echoed');
  });
}

t.test('well-known types are accepted with the keys they need (stringData counts)', async (t) => {
  const ok = [
    { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } },
    { type: 'kubernetes.io/basic-auth', stringData: { password: 'p' } },
    { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } },
  ];
  for (const [i, fields] of ok.entries()) {
    const res = await api(SECRETS, { method: 'POST', json: secret(`typed-${i}`, fields) });
    t.equal(res.status, 201, `${fields.type}: ${res.text}`);
    t.equal(res.body['type'], fields.type);
  }
});

t.test('an immutable Secret refuses data, stringData, type and immutable changes but not metadata', async (t) => {
  const created = await api(SECRETS, { method: 'POST', json: secret('frozen', { stringData: { k: 'v' }, immutable: true }) });
  t.equal(created.status, 201, created.text);
  const merge = (body: unknown) => api(`${SECRETS}/frozen`, { method: 'PATCH', json: body, contentType: 'application/merge-patch+json' });
  const refused = [
    { patch: { data: { k: b64('other') } }, field: 'data' },
    { patch: { data: { extra: b64('x') } }, field: 'data' },
    { patch: { stringData: { k: 'other' } }, field: 'stringData' },
    { patch: { immutable: false }, field: 'immutable' },
    { patch: { type: 'example.com/custom' }, field: 'type' },
  ];
  for (const r of refused) {
    const res = await merge(r.patch);
    t.equal(res.status, 422, `${JSON.stringify(r.patch)}: ${res.text}`);
    t.match(causesOf(res), [{ field: r.field }], `names ${r.field}`);
  }
  const same = await merge({ stringData: { k: 'v' } });
  t.equal(same.status, 200, 'stringData that changes nothing is accepted');
  const labelled = await merge({ metadata: { labels: { team: 'infra' } } });
  t.equal(labelled.status, 200, labelled.text);
  t.same(labelled.body['data'], { k: b64('v') });
});

t.test('type cannot change on a mutable Secret either', async (t) => {
  await api(SECRETS, { method: 'POST', json: secret('typed', { stringData: { username: 'u' }, type: 'kubernetes.io/basic-auth' }) });
  const res = await api(`${SECRETS}/typed`, { method: 'PATCH', json: { type: 'Opaque' }, contentType: 'application/merge-patch+json' });
  t.equal(res.status, 422);
  t.match(causesOf(res), [{ field: 'type', message: /field is immutable/ }]);
});

t.test('Table output: NAME, TYPE, DATA (number of keys), AGE', async (t) => {
  await api(SECRETS, { method: 'POST', json: secret('table-a', { stringData: { a: '1', b: '2', c: '3' } }) });
  const res = await api(SECRETS, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  t.equal(res.status, 200, res.text);
  const columns = (res.body['columnDefinitions'] as { name: string }[]).map((c) => c.name.toUpperCase());
  t.same(columns, ['NAME', 'TYPE', 'DATA', 'AGE']);
  const rows = res.body['rows'] as { cells: unknown[] }[];
  const row = rows.find((r) => r.cells[0] === 'table-a');
  t.match(row?.cells, ['table-a', 'Opaque', 3, /^\d+s$/]);
  t.notMatch(res.text, new RegExp(b64('1')), 'no values in the table');
});

t.test('discovery lists secrets under /api/v1 and OpenAPI has io.k8s.api.core.v1.Secret', async (t) => {
  const v1 = await api('/api/v1');
  const resources = v1.body['resources'] as { name: string; kind: string; namespaced: boolean }[];
  t.match(resources.find((r) => r.name === 'secrets'), { kind: 'Secret', namespaced: true });
  t.notOk(resources.some((r) => r.name === 'secrets/status'), 'no status subresource');
  const v2 = await api('/openapi/v2');
  const defs = v2.body['definitions'] as Record<string, { properties?: Record<string, unknown> }>;
  t.ok(defs['io.k8s.api.core.v1.Secret']?.properties?.['stringData'], 'Secret definition with stringData');
});

t.test('the in-process client takes the same path: stringData folded, never returned', async (t) => {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  t.teardown(() => backend.close());
  const client = createInProcessClient({ registry: createRegistryContext({ backend }), bookmarkIntervalMs: 60_000 });
  const created = await client.create(secretType, { ...secret('inproc', { stringData: { k: 'v' } }), metadata: { name: 'inproc', namespace: 'default' } });
  t.same((created as { data?: unknown }).data, { k: b64('v') });
  t.notOk('stringData' in created);
  const patched = await client.patch(secretType, 'default', 'inproc', { type: 'merge', body: { stringData: { k: 'w' } } });
  t.same((patched as { data?: unknown }).data, { k: b64('w') });
});
