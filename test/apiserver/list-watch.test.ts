import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { openWatch } from '../helpers/watch-stream.js';
import { INSTANCES, instance } from './fixtures.js';

const server = await startTestServer({ limits: { bookmarkIntervalMs: 200 } });
t.teardown(() => server.stop());
const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);
type Item = { metadata: { name: string; resourceVersion: string } };
const names = (body: Record<string, unknown>) => (body['items'] as Item[]).map((i) => i.metadata.name);

for (let i = 0; i < 25; i++) {
  const name = `vm-${String(i).padStart(2, '0')}`;
  const res = await api(INSTANCES, { method: 'POST', json: instance(name, { labels: { parity: i % 2 ? 'odd' : 'even', idx: String(i) } }) });
  if (res.status !== 201) throw new Error(res.text);
}

t.test('pagination with limit and continue walks every object once at one revision', async (t) => {
  const seen: string[] = [];
  let cont: string | undefined;
  let revision: string | undefined;
  let pages = 0;
  do {
    const res = await api(`${INSTANCES}?limit=7${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    t.equal(res.status, 200, res.text);
    const meta = res.body['metadata'] as { continue?: string; resourceVersion: string };
    revision ??= meta.resourceVersion;
    t.equal(meta.resourceVersion, revision, 'every page is served at the first page’s revision');
    seen.push(...names(res.body));
    cont = meta.continue;
    pages++;
    if (pages === 1) await api(INSTANCES, { method: 'POST', json: instance('vm-99-late') });
  } while (cont);
  t.equal(pages, 4);
  t.equal(seen.length, 25, 'the object created between pages is not in this snapshot');
  t.same(seen, [...seen].sort(), 'ordered by name');
  t.equal(new Set(seen).size, 25);
  const bad = await api(`${INSTANCES}?limit=5&continue=garbage`);
  t.equal(bad.status, 400);
});

t.test('label and field selectors', async (t) => {
  const odd = await api(`${INSTANCES}?labelSelector=${encodeURIComponent('parity=odd')}`);
  t.equal(names(odd.body).length, 12);
  const set = await api(`${INSTANCES}?labelSelector=${encodeURIComponent('idx in (1,2,3),parity!=odd')}`);
  t.same(names(set.body), ['vm-02']);
  const exists = await api(`${INSTANCES}?labelSelector=${encodeURIComponent('!parity')}`);
  t.same(names(exists.body), ['vm-99-late']);
  const byName = await api(`${INSTANCES}?fieldSelector=${encodeURIComponent('metadata.name=vm-07')}`);
  t.same(names(byName.body), ['vm-07']);
  const notName = await api(`/apis/converge.io/v1alpha1/instances?fieldSelector=${encodeURIComponent('metadata.namespace!=default')}`);
  t.same(names(notName.body), []);
  const paged = await api(`${INSTANCES}?limit=5&labelSelector=parity%3Deven`);
  t.equal(names(paged.body).length, 5, 'a filtered page still holds `limit` matches');
  const badLabel = await api(`${INSTANCES}?labelSelector=${encodeURIComponent('a in (')}`);
  t.equal(badLabel.status, 400);
  const badField = await api(`${INSTANCES}?fieldSelector=${encodeURIComponent('spec.vcpus=1')}`);
  t.equal(badField.status, 400);
  t.match(String(badField.body['message']), /spec\.vcpus/);
});

t.test('watch delivers ADDED, MODIFIED, DELETED and resumes from any resourceVersion', async (t) => {
  const list = await api(INSTANCES);
  const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const w = await openWatch(server.url, `${INSTANCES}?watch=1&resourceVersion=${rv}`);
  t.equal(w.status, 200);
  const c = await api(INSTANCES, { method: 'POST', json: instance('w-1') });
  const m = await api(`${INSTANCES}/w-1`, { method: 'PATCH', json: { spec: { vcpus: 2 } }, contentType: 'application/merge-patch+json' });
  const d = await api(`${INSTANCES}/w-1`, { method: 'DELETE' });
  t.equal(d.status, 200);
  const events = [await w.next(), await w.next(), await w.next()];
  t.same(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  t.same(events.map((e) => e.object.metadata.name), ['w-1', 'w-1', 'w-1']);
  const createdRv = (c.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const modifiedRv = (m.body['metadata'] as { resourceVersion: string }).resourceVersion;
  t.equal(events[0]!.object.metadata.resourceVersion, createdRv);
  t.equal(events[1]!.object.metadata.resourceVersion, modifiedRv);
  t.ok(Number(events[2]!.object.metadata.resourceVersion) > Number(modifiedRv), 'DELETED carries the delete revision');
  w.close();

  const resumed = await openWatch(server.url, `${INSTANCES}?watch=1&resourceVersion=${createdRv}`);
  const again = [await resumed.next(), await resumed.next()];
  t.same(again.map((e) => e.type), ['MODIFIED', 'DELETED'], 'resume after the create sees only later events');
  resumed.close();
});

t.test('watch without resourceVersion starts with the current state; selectors move objects in and out', async (t) => {
  const w = await openWatch(server.url, `${INSTANCES}?watch=1&labelSelector=${encodeURIComponent('parity=odd')}`);
  const initial = [];
  for (let i = 0; i < 12; i++) initial.push(await w.next());
  t.ok(initial.every((e) => e.type === 'ADDED'), 'initial state as ADDED');
  await api(`${INSTANCES}/vm-01`, { method: 'PATCH', json: { metadata: { labels: { parity: 'even' } } }, contentType: 'application/merge-patch+json' });
  const out = await w.next();
  t.match(out, { type: 'DELETED', object: { metadata: { name: 'vm-01' } } }, 'leaving the selector is DELETED');
  await api(`${INSTANCES}/vm-02`, { method: 'PATCH', json: { metadata: { labels: { parity: 'odd' } } }, contentType: 'application/merge-patch+json' });
  t.match(await w.next(), { type: 'ADDED', object: { metadata: { name: 'vm-02' } } }, 'entering the selector is ADDED');
  w.close();
});

t.test('bookmarks carry the last revision', async (t) => {
  const list = await api(INSTANCES);
  const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const w = await openWatch(server.url, `${INSTANCES}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`);
  const e = await w.next(3000);
  t.equal(e.type, 'BOOKMARK');
  t.equal(e.object.metadata.resourceVersion, rv);
  t.equal(e.object.kind, 'Instance');
  w.close();
});

t.test('410 Gone after compaction', async (t) => {
  const first = await api(`${INSTANCES}/vm-00`);
  const oldRv = (first.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const paged = await api(`${INSTANCES}?limit=3`);
  const cont = (paged.body['metadata'] as { continue: string }).continue;
  for (let i = 0; i < 3; i++) {
    await api(`${INSTANCES}/vm-00`, { method: 'PATCH', json: { spec: { vcpus: i + 2 } }, contentType: 'application/merge-patch+json' });
  }
  const { revision } = await server.backend.stats();
  await server.backend.compact(revision - 1);
  const w = await openWatch(server.url, `${INSTANCES}?watch=1&resourceVersion=${oldRv}`);
  const e = await w.next();
  t.equal(e.type, 'ERROR');
  t.match(e.object, { kind: 'Status', code: 410, reason: 'Expired' });
  w.close();
  const expired = await api(`${INSTANCES}?limit=3&continue=${encodeURIComponent(cont)}`);
  t.equal(expired.status, 410, expired.text);
  const exact = await api(`${INSTANCES}?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
  t.equal(exact.status, 410);
});
