import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { openWatch } from '../helpers/watch-stream.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);
const EVENTS = '/api/v1/namespaces/default/events';

function event(name: string, involved: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', name: involved, namespace: 'default', uid: `uid-${involved}` },
    reason: 'Created',
    message: `created ${involved}`,
    type: 'Normal',
    count: 1,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    source: { component: 'test' },
    ...extra,
  };
}

t.test('discovery lists events under /api/v1 with short name ev', async (t) => {
  const res = await api('/api/v1');
  t.equal(res.status, 200, res.text);
  const resources = res.body['resources'] as { name: string; kind: string; namespaced: boolean; shortNames?: string[] }[];
  const ev = resources.find((r) => r.name === 'events');
  t.match(ev, { kind: 'Event', namespaced: true, shortNames: ['ev'] });
});

t.test('create, get, list, watch and field selectors on involvedObject', async (t) => {
  const watch = await openWatch(server.url, `${EVENTS}?watch=1&fieldSelector=involvedObject.name%3Dweb-1`);
  t.teardown(() => watch.close());
  const created = await api(EVENTS, { method: 'POST', json: event('web-1.a', 'web-1') });
  t.equal(created.status, 201, created.text);
  t.match(created.body, { involvedObject: { name: 'web-1' }, reason: 'Created', count: 1, metadata: { uid: /.+/ } });
  t.notOk('spec' in created.body, 'no spec on a core Event');
  t.notOk('generation' in (created.body['metadata'] as object), 'no generation on a core Event');
  t.equal((await api(EVENTS, { method: 'POST', json: event('db-1.a', 'db-1') })).status, 201);

  const got = await api(`${EVENTS}/web-1.a`);
  t.equal(got.status, 200, got.text);
  t.equal(got.body['message'], 'created web-1');

  const selected = await api(`${EVENTS}?fieldSelector=involvedObject.name%3Dweb-1`);
  t.equal(selected.status, 200, selected.text);
  t.same((selected.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['web-1.a']);
  const byUid = await api(`/api/v1/events?fieldSelector=involvedObject.uid%3Duid-db-1`);
  t.same((byUid.body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['db-1.a']);

  const first = await watch.next(5000);
  t.match(first, { type: 'ADDED', object: { metadata: { name: 'web-1.a' } } });

  const patched = await api(`${EVENTS}/web-1.a`, {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    json: { count: 3, lastTimestamp: '2026-01-01T00:05:00Z' },
  });
  t.equal(patched.status, 200, patched.text);
  t.match(patched.body, { count: 3, lastTimestamp: '2026-01-01T00:05:00Z', firstTimestamp: '2026-01-01T00:00:00Z' });
  t.not(
    (patched.body['metadata'] as { resourceVersion: string }).resourceVersion,
    (got.body['metadata'] as { resourceVersion: string }).resourceVersion,
    'a change to top-level fields is written',
  );
  t.match(await watch.next(5000), { type: 'MODIFIED', object: { count: 3 } });
});

t.test('invalid events are rejected with field causes; other kinds still refuse involvedObject selectors', async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['bad type', event('bad-1', 'x', { type: 'Info' }), /type/],
    ['unknown field', event('bad-2', 'x', { spec: {} }), /spec/],
    ['message over 1 KiB', event('bad-3', 'x', { message: 'x'.repeat(1025) }), /message/],
    ['bad timestamp', event('bad-4', 'x', { lastTimestamp: 'yesterday' }), /lastTimestamp/],
  ];
  for (const [name, body, field] of cases) {
    const res = await api(EVENTS, { method: 'POST', json: body });
    t.equal(res.status, 422, `${name}: ${res.text}`);
    t.match(res.text, field, name);
  }
  const inst = await api('/apis/converge.io/v1alpha1/namespaces/default/instances?fieldSelector=involvedObject.name%3Dx');
  t.equal(inst.status, 400, 'instances do not gain the Event selectable fields');
});
