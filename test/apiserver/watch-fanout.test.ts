/**
 * The shared watch fan-out as HTTP clients see it: many watchers of one kind with different namespaces,
 * selectors, start points and encodings each receive exactly the events a watch of their own would, in order.
 */
import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { request } from '../helpers/http.js';
import { openWatch, type WireEvent, type WatchStream } from '../helpers/watch-stream.js';
import { instance } from './fixtures.js';

const server = await startTestServer();
t.teardown(() => server.stop());
const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);
const collection = (ns?: string) => (ns === undefined ? '/apis/converge.io/v1alpha1/instances' : `/apis/converge.io/v1alpha1/namespaces/${ns}/instances`);

type Labels = Record<string, string>;
interface Obj {
  readonly ns: string;
  readonly name: string;
  readonly labels: Labels;
}
type Op =
  | { readonly kind: 'create'; readonly obj: Obj }
  | { readonly kind: 'relabel'; readonly obj: Obj }
  | { readonly kind: 'spec'; readonly obj: Obj }
  | { readonly kind: 'delete'; readonly obj: Obj };

const NS = ['default', 'team-b'] as const;
const nsOf = (i: number) => NS[i % 2] ?? 'default';
const seeds: Obj[] = [0, 1, 2, 3, 4, 5].map((i) => ({ ns: nsOf(i), name: `seed-${i}`, labels: { tier: i % 3 === 0 ? 'web' : 'db', ...(i % 2 === 0 ? { env: 'prod' } : {}) } }));
const ops: Op[] = [];
const live = new Map<string, Obj>(seeds.map((o) => [o.name, o]));
for (let i = 0; i < 12; i++) {
  const obj = { ns: nsOf(i + 1), name: `obj-${i}`, labels: { tier: i % 3 === 0 ? 'web' : 'db', ...(i % 4 === 0 ? { env: 'prod' } : {}) } };
  ops.push({ kind: 'create', obj });
  live.set(obj.name, obj);
}
for (const [i, name] of ['obj-0', 'seed-1', 'obj-3', 'obj-4', 'seed-2', 'obj-7', 'obj-8', 'obj-11', 'seed-3'].entries()) {
  const old = live.get(name);
  if (old === undefined) throw new Error(name);
  const obj = { ...old, labels: { tier: old.labels['tier'] === 'web' ? 'db' : 'web', ...(i % 3 === 0 ? {} : { env: 'prod' }) } };
  ops.push({ kind: 'relabel', obj });
  live.set(name, obj);
}
for (const name of ['obj-1', 'seed-0', 'obj-8', 'obj-9']) ops.push({ kind: 'spec', obj: live.get(name) ?? seeds[0]! });
for (const name of ['obj-2', 'seed-5', 'obj-3', 'obj-10']) ops.push({ kind: 'delete', obj: live.get(name) ?? seeds[0]! });
const middle = 12; // watchers starting "middle" open after the creates

/** One watcher: where it watches, its selectors, the same selection as a plain predicate, and where it starts. */
interface WatcherCase {
  readonly name: string;
  readonly ns?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly match: (o: Obj) => boolean;
  readonly from: 'list' | 'rv' | 'middle';
  readonly table?: boolean;
}
const all = () => true;
const cases: WatcherCase[] = [
  { name: 'all namespaces', match: all, from: 'rv' },
  { name: 'namespace default', ns: 'default', match: all, from: 'rv' },
  { name: 'namespace team-b', ns: 'team-b', match: all, from: 'rv' },
  { name: 'tier=web', labelSelector: 'tier=web', match: (o) => o.labels['tier'] === 'web', from: 'rv' },
  { name: 'tier!=web', labelSelector: 'tier!=web', match: (o) => o.labels['tier'] !== 'web', from: 'rv' },
  { name: 'default, tier in (web,db)', ns: 'default', labelSelector: 'tier in (web,db)', match: all, from: 'rv' },
  { name: 'field namespace=team-b', fieldSelector: 'metadata.namespace=team-b', match: (o) => o.ns === 'team-b', from: 'rv' },
  { name: 'field name=obj-3', fieldSelector: 'metadata.name=obj-3', match: (o) => o.name === 'obj-3', from: 'rv' },
  { name: 'default, env=prod,tier=db', ns: 'default', labelSelector: 'env=prod,tier=db', match: (o) => o.labels['env'] === 'prod' && o.labels['tier'] === 'db', from: 'rv' },
  { name: '!env', labelSelector: '!env', match: (o) => o.labels['env'] === undefined, from: 'rv' },
  { name: 'env exists', labelSelector: 'env', match: (o) => o.labels['env'] !== undefined, from: 'rv' },
  { name: 'field name!=obj-1', fieldSelector: 'metadata.name!=obj-1', match: (o) => o.name !== 'obj-1', from: 'rv' },
  { name: 'team-b, env notin (prod)', ns: 'team-b', labelSelector: 'env notin (prod)', match: (o) => o.labels['env'] !== 'prod', from: 'rv' },
  { name: 'list: all', match: all, from: 'list' },
  { name: 'list: team-b, tier=web', ns: 'team-b', labelSelector: 'tier=web', match: (o) => o.labels['tier'] === 'web', from: 'list' },
  { name: 'list: default, tier=db', ns: 'default', labelSelector: 'tier=db', match: (o) => o.labels['tier'] === 'db', from: 'list' },
  { name: 'list: tier=web,env=prod', labelSelector: 'tier=web,env=prod', match: (o) => o.labels['tier'] === 'web' && o.labels['env'] === 'prod', from: 'list' },
  { name: 'middle: tier=web', labelSelector: 'tier=web', match: (o) => o.labels['tier'] === 'web', from: 'middle' },
  { name: 'middle: default', ns: 'default', match: all, from: 'middle' },
  { name: 'table: all', match: all, from: 'rv', table: true },
];

/** What a watcher of `c` must see for `ops` applied to `state` (kube semantics: entering ADDED, leaving DELETED). */
function expected(c: WatcherCase, state: Map<string, Obj>, todo: readonly Op[]): string[] {
  const sees = (o: Obj | undefined) => o !== undefined && (c.ns === undefined || o.ns === c.ns) && c.match(o);
  const out: string[] = [];
  const s = new Map(state);
  for (const op of todo) {
    const before = s.get(op.obj.name);
    if (op.kind === 'delete') s.delete(op.obj.name);
    else s.set(op.obj.name, op.obj);
    const after = s.get(op.obj.name);
    const was = op.kind !== 'create' && sees(before);
    const is = op.kind !== 'delete' && sees(after);
    const type = is && was ? 'MODIFIED' : is ? 'ADDED' : was ? 'DELETED' : undefined;
    if (type !== undefined) out.push(`${type} ${op.obj.ns}/${op.obj.name}`);
  }
  return out;
}

function describe(e: WireEvent): { line: string; rv: number } {
  const table = e.object['rows'] as { object: { metadata: { name: string; namespace: string; resourceVersion: string } } }[] | undefined;
  const meta = (table?.[0]?.object.metadata ?? e.object.metadata) as { name: string; namespace: string; resourceVersion: string };
  return { line: `${e.type} ${meta.namespace}/${meta.name}`, rv: Number(meta.resourceVersion) };
}

/** Applies `op`; resolves with the resourceVersion of the object the server answered with. */
async function apply(op: Op): Promise<string> {
  const path = `${collection(op.obj.ns)}`;
  const res =
    op.kind === 'create'
      ? await api(path, { method: 'POST', json: instance(op.obj.name, { labels: op.obj.labels }) })
      : op.kind === 'delete'
        ? await api(`${path}/${op.obj.name}`, { method: 'DELETE' })
        : await api(`${path}/${op.obj.name}`, {
            method: 'PATCH',
            contentType: 'application/merge-patch+json',
            json: op.kind === 'spec' ? { spec: { vcpus: 3 } } : { metadata: { labels: { env: null, ...op.obj.labels } } },
          });
  if (res.status >= 300) throw new Error(`${op.kind} ${op.obj.name}: ${res.text}`);
  return (res.body['metadata'] as { resourceVersion: string }).resourceVersion;
}

const seedRvs: string[] = [];
for (const o of seeds) seedRvs.push(await apply({ kind: 'create', obj: o }));
const seeded = new Map(seeds.map((o) => [o.name, o]));
const listed = await api(collection());
const startRv = (listed.body['metadata'] as { resourceVersion: string }).resourceVersion;

function open(c: WatcherCase, rv: string | undefined): Promise<WatchStream> {
  const params = new URLSearchParams({ watch: '1' });
  if (rv !== undefined) params.set('resourceVersion', rv);
  if (c.labelSelector !== undefined) params.set('labelSelector', c.labelSelector);
  if (c.fieldSelector !== undefined) params.set('fieldSelector', c.fieldSelector);
  return openWatch(server.url, `${collection(c.ns)}?${params.toString()}`, c.table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : undefined);
}

t.test('20 watchers with different selectors and start points each see exactly their events, in order', async (t) => {
  const streams = new Map<WatcherCase, WatchStream>();
  for (const c of cases.filter((c) => c.from !== 'middle')) streams.set(c, await open(c, c.from === 'rv' ? startRv : undefined));
  for (const op of ops.slice(0, middle)) await apply(op);
  const afterCreates = (await api(collection())).body['metadata'] as { resourceVersion: string };
  for (const c of cases.filter((c) => c.from === 'middle')) streams.set(c, await open(c, afterCreates.resourceVersion));
  for (const op of ops.slice(middle)) await apply(op);

  const stateAtMiddle = new Map(seeded);
  for (const op of ops.slice(0, middle)) stateAtMiddle.set(op.obj.name, op.obj);
  for (const c of cases) {
    const stream = streams.get(c);
    if (stream === undefined) throw new Error(c.name);
    const initial = c.from === 'list' ? seeds.filter((o) => (c.ns === undefined || o.ns === c.ns) && c.match(o)).map((o) => `ADDED ${o.ns}/${o.name}`) : [];
    const want = c.from === 'middle' ? expected(c, stateAtMiddle, ops.slice(middle)) : expected(c, seeded, ops);
    const got: { line: string; rv: number }[] = [];
    for (let i = 0; i < initial.length + want.length; i++) got.push(describe(await stream.next(10_000)));
    const extra = await stream.collect(200);
    stream.close();
    t.same(got.slice(0, initial.length).map((g) => g.line).sort(), initial.sort(), `${c.name}: initial state`);
    t.same(got.slice(initial.length).map((g) => g.line), want, `${c.name}: its events in order`);
    const rvs = got.slice(initial.length).map((g) => g.rv);
    t.ok(rvs.every((rv, i) => i === 0 || rv > (rvs[i - 1] ?? 0)), `${c.name}: resourceVersions increase`);
    t.same(extra.map((e) => describe(e).line), [], `${c.name}: nothing else`);
  }
});

t.test('a watch from before the shared window (the store path) sees the same events', async (t) => {
  // The fan-out started at the first watch, after the seeds: a resume from the first seed predates it.
  const c = cases[0]!;
  const stream = await open(c, seedRvs[0]);
  const first = seeds[0]!;
  const want = expected(c, new Map([[first.name, first]]), [...seeds.slice(1).map((obj): Op => ({ kind: 'create', obj })), ...ops]);
  const got: string[] = [];
  for (let i = 0; i < want.length; i++) got.push(describe(await stream.next()).line);
  t.same(await stream.collect(200), []);
  stream.close();
  t.same(got, want);
});
