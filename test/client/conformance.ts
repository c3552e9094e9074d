/**
 * The {@link ApiClient} conformance suite: every client implementation (in-process, HTTP) must pass it
 * unchanged, so controllers behave the same whichever one they are given.
 */
import { isConflict } from '../../src/errors/index.js';
import type { Test } from 'tap';
import { instanceType, providerConfigType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import {
  AlreadyExistsError,
  BadRequestError,
  CompactedError,
  ConflictError,
  ConvergeError,
  InvalidError,
  NotFoundError,
} from '../../src/errors/index.js';
import type { Backend } from '../../src/store/types.js';
import { instance, providerConfig, rejection, summary, take } from './fixtures.js';

/** One client under test, with the store behind it. */
export interface ClientFixture {
  readonly client: ApiClient;
  /** The store the client's API reads and writes (to compact history). */
  readonly backend: Backend;
  /** Interval of BOOKMARK events the fixture configured; keep it short (≤ 200 ms). */
  readonly bookmarkIntervalMs: number;
  close(): Promise<void>;
}

/** Builds a fresh client over an empty store. */
export type MakeClient = () => Promise<ClientFixture>;

const rvOf = (obj: KubeObject): number => Number(obj.metadata.resourceVersion);

/**
 * A list revision to watch from. An empty store lists at revision 0, and "0" means "replay the current
 * state", so an object in another namespace is created first to make the revision concrete.
 */
async function startRevision(client: ApiClient): Promise<string> {
  await client.create(instanceType, instance('seed', { namespace: 'conformance-seed' }));
  return (await client.list(instanceType, { namespace: 'default' })).resourceVersion;
}

/** Registers the suite as subtests of `t`; each subtest gets a fresh fixture. */
export function runClientConformance(t: Test, makeClient: MakeClient): void {
  const test = (name: string, fn: (t: Test, f: ClientFixture) => Promise<void>) =>
    t.test(name, async (t) => {
      const f = await makeClient();
      t.teardown(() => f.close());
      await fn(t, f);
    });

  test('create and get: server-set metadata, AlreadyExists, NotFound, caller object untouched', async (t, { client }) => {
    const input = instance('vm-1');
    const snapshot = structuredClone(input);
    const created = await client.create(instanceType, input);
    t.same(input, snapshot, 'the caller’s object is not modified');
    t.match(created.metadata, { name: 'vm-1', namespace: 'default', generation: 1 });
    t.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    t.ok(rvOf(created) > 0, 'resourceVersion set');
    t.ok(created.metadata.creationTimestamp);
    const got = await client.get(instanceType, 'default', 'vm-1');
    t.same(got, created);
    got.metadata.labels = { mutated: 'yes' };
    t.notOk((await client.get(instanceType, 'default', 'vm-1')).metadata.labels, 'results are copies');
    t.type(await rejection(client.create(instanceType, instance('vm-1'))), AlreadyExistsError);
    t.type(await rejection(client.get(instanceType, 'default', 'nope')), NotFoundError);
  });

  test('namespaces: isolation, all-namespace lists, cluster-scoped kinds, missing namespace', async (t, { client }) => {
    await client.create(instanceType, instance('same', { namespace: 'ns1', vcpus: 1 }));
    await client.create(instanceType, instance('same', { namespace: 'ns2', vcpus: 2 }));
    t.equal((await client.get(instanceType, 'ns2', 'same')).spec?.['vcpus'], 2);
    t.equal((await client.list(instanceType, { namespace: 'ns1' })).items.length, 1);
    t.same((await client.list(instanceType)).items.map((i) => i.metadata.namespace), ['ns1', 'ns2']);
    await client.create(providerConfigType, providerConfig('pc'));
    t.equal((await client.get(providerConfigType, undefined, 'pc')).metadata.namespace, undefined);
    t.equal((await client.list(providerConfigType)).items.length, 1);
    t.type(await rejection(client.get(instanceType, undefined, 'same')), BadRequestError, 'namespaced kind needs a namespace');
    const noNamespace = instance('x');
    delete noNamespace.metadata.namespace;
    t.type(await rejection(client.create(instanceType, noNamespace)), BadRequestError);
  });

  test('invalid objects are rejected with field causes', async (t, { client }) => {
    const bad = instance('bad');
    bad.spec = { ...bad.spec, vcpus: 'many' };
    const err = await rejection(client.create(instanceType, bad));
    t.type(err, InvalidError);
    t.ok((err as InvalidError).causes.some((c) => c.field === 'spec.vcpus'), 'the bad field is named');
  });

  test('list: label and field selectors; malformed selectors are BadRequest', async (t, { client }) => {
    for (let i = 0; i < 6; i++) {
      await client.create(instanceType, instance(`vm-${i}`, { labels: { parity: i % 2 ? 'odd' : 'even', idx: String(i) } }));
    }
    const names = async (o: Parameters<ApiClient['list']>[1]) => (await client.list(instanceType, o)).items.map((i) => i.metadata.name);
    const cases = [
      { labelSelector: 'parity=odd', want: ['vm-1', 'vm-3', 'vm-5'] },
      { labelSelector: 'idx in (1,2),parity!=odd', want: ['vm-2'] },
      { labelSelector: '!parity', want: [] },
      { fieldSelector: 'metadata.name=vm-4', want: ['vm-4'] },
      { labelSelector: 'parity=even', fieldSelector: 'metadata.name!=vm-0', want: ['vm-2', 'vm-4'] },
    ];
    for (const { want, ...selector } of cases) t.same(await names(selector), want, JSON.stringify(selector));
    t.type(await rejection(client.list(instanceType, { labelSelector: 'a in (' })), BadRequestError);
    t.type(await rejection(client.list(instanceType, { fieldSelector: 'spec.image=x' })), BadRequestError);
  });

  test('list: limit and continue walk one snapshot exactly once', async (t, { client }) => {
    for (let i = 0; i < 7; i++) await client.create(instanceType, instance(`vm-${i}`));
    const seen: string[] = [];
    const versions = new Set<string>();
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await client.list(instanceType, { namespace: 'default', limit: 3, ...(cont ? { continue: cont } : {}) });
      seen.push(...page.items.map((i) => i.metadata.name));
      versions.add(page.resourceVersion);
      cont = page.continue;
      if (++pages === 1) await client.create(instanceType, instance('vm-late'));
    } while (cont);
    t.equal(pages, 3);
    t.same(seen, ['vm-0', 'vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6'], 'the object created mid-way is not in the snapshot');
    t.equal(versions.size, 1, 'every page reports the snapshot revision');
    t.type(await rejection(client.list(instanceType, { limit: 2, continue: 'garbage' })), BadRequestError);
  });

  test('update: resourceVersion precondition, generation, status subresource', async (t, { client }) => {
    const created = await client.create(instanceType, instance('vm'));
    const relabelled = await client.update(instanceType, { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    t.equal(relabelled.metadata.generation, 1, 'metadata changes keep the generation');
    t.ok(rvOf(relabelled) > rvOf(created));
    t.type(await rejection(client.update(instanceType, { ...created, spec: { ...created.spec, vcpus: 4 } })), ConflictError, 'stale resourceVersion');
    const resized = await client.update(instanceType, { ...relabelled, spec: { ...relabelled.spec, vcpus: 4 } });
    t.equal(resized.metadata.generation, 2, 'spec changes bump the generation');
    const withStatus = await client.update(
      instanceType,
      { ...resized, spec: { ...resized.spec, vcpus: 8 }, status: { phase: 'Running' } },
      { subresource: 'status' },
    );
    t.equal(withStatus.status?.['phase'], 'Running');
    t.equal(withStatus.spec?.['vcpus'], 4, 'a status update ignores spec');
    t.equal(withStatus.metadata.generation, 2);
    const mainIgnoresStatus = await client.update(instanceType, { ...withStatus, status: { phase: 'Failed' } });
    t.equal(mainIgnoresStatus.status?.['phase'], 'Running', 'a main update ignores status');
  });

  test('patch: merge and JSON patches, preconditions, status subresource', async (t, { client }) => {
    const created = await client.create(instanceType, instance('vm'));
    const merged = await client.patch(instanceType, 'default', 'vm', { type: 'merge', body: { metadata: { labels: { tier: 'web' } } } });
    t.same(merged.metadata.labels, { tier: 'web' });
    const jsonPatched = await client.patch(instanceType, 'default', 'vm', {
      type: 'json',
      body: [{ op: 'replace', path: '/spec/vcpus', value: 3 }],
    });
    t.equal(jsonPatched.spec?.['vcpus'], 3);
    t.equal(jsonPatched.metadata.generation, 2);
    const stale = await rejection(
      client.patch(instanceType, 'default', 'vm', { type: 'merge', body: { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { x: 'y' } } } }),
    );
    t.type(stale, ConflictError, 'a resourceVersion in the patch is a precondition');
    const failedTest = await rejection(
      client.patch(instanceType, 'default', 'vm', {
        type: 'json',
        body: [{ op: 'test', path: '/spec/vcpus', value: 99 }, { op: 'replace', path: '/spec/vcpus', value: 5 }],
      }),
    );
    t.type(failedTest, ConvergeError, 'a failed JSON patch test is an API error');
    t.equal((await client.get(instanceType, 'default', 'vm')).spec?.['vcpus'], 3, 'and changes nothing');
    const status = await client.patch(instanceType, 'default', 'vm', { type: 'merge', body: { status: { phase: 'Running' } } }, { subresource: 'status' });
    t.equal(status.status?.['phase'], 'Running');
    t.type(await rejection(client.patch(instanceType, 'default', 'nope', { type: 'merge', body: {} })), NotFoundError);
  });

  test('dry run validates but writes nothing', async (t, { client }) => {
    const dry = await client.create(instanceType, instance('vm'), { dryRun: true });
    t.equal(dry.metadata.name, 'vm');
    t.type(await rejection(client.get(instanceType, 'default', 'vm')), NotFoundError);
    const real = await client.create(instanceType, instance('vm'));
    await client.update(instanceType, { ...real, spec: { ...real.spec, vcpus: 9 } }, { dryRun: true });
    await client.patch(instanceType, 'default', 'vm', { type: 'merge', body: { spec: { vcpus: 9 } } }, { dryRun: true });
    await client.delete(instanceType, 'default', 'vm', { dryRun: true });
    t.same(await client.get(instanceType, 'default', 'vm'), real);
  });

  test('delete: at once without finalizers, terminating with them, preconditions', async (t, { client }) => {
    const plain = await client.create(instanceType, instance('plain'));
    t.equal((await client.delete(instanceType, 'default', 'plain'))?.metadata.uid, plain.metadata.uid);
    t.type(await rejection(client.get(instanceType, 'default', 'plain')), NotFoundError);
    t.type(await rejection(client.delete(instanceType, 'default', 'plain')), NotFoundError);

    const held = await client.create(instanceType, instance('held', { finalizers: ['converge.io/test'] }));
    t.type(
      await rejection(client.delete(instanceType, 'default', 'held', { preconditions: { uid: 'not-the-uid' } })),
      ConflictError,
    );
    await client.delete(instanceType, 'default', 'held', { preconditions: { uid: held.metadata.uid ?? '' } });
    const terminating = await client.get(instanceType, 'default', 'held');
    t.ok(terminating.metadata.deletionTimestamp, 'marked for deletion');
    await client.patch(instanceType, 'default', 'held', { type: 'merge', body: { metadata: { finalizers: null } } });
    t.type(await rejection(client.get(instanceType, 'default', 'held')), NotFoundError, 'gone with its last finalizer');
  });

  test('watch: ordered events after a resourceVersion, resumable', async (t, { client }) => {
    const start = await startRevision(client);
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const it = client.watch(instanceType, { resourceVersion: start, signal: abort.signal })[Symbol.asyncIterator]();
    const a = await client.create(instanceType, instance('a'));
    await client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: 2 } } });
    await client.delete(instanceType, 'default', 'a');
    const events = await take(it, 3);
    t.same(summary(events), ['ADDED a', 'MODIFIED a', 'DELETED a']);
    const rvs = events.map((e) => rvOf(e.object));
    t.same(rvs, [...rvs].sort((x, y) => x - y), 'revisions increase');
    t.equal(rvs[0], rvOf(a));
    const resumed = client.watch(instanceType, { resourceVersion: String(rvs[0]), signal: abort.signal })[Symbol.asyncIterator]();
    t.same(summary(await take(resumed, 2)), ['MODIFIED a', 'DELETED a'], 'resuming skips what was seen');
  });

  test('watch from "0" starts with the current objects as ADDED', async (t, { client }) => {
    await client.create(instanceType, instance('old-1'));
    await client.create(instanceType, instance('old-2'));
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const it = client.watch(instanceType, { namespace: 'default', resourceVersion: '0', signal: abort.signal })[Symbol.asyncIterator]();
    const initial = await take(it, 2);
    t.same(summary(initial), ['ADDED old-1', 'ADDED old-2']);
    await client.create(instanceType, instance('new'));
    t.same(summary(await take(it, 1)), ['ADDED new']);
  });

  test('watch with a label selector: leaving the selection is DELETED, entering it ADDED', async (t, { client }) => {
    const start = await startRevision(client);
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const it = client.watch(instanceType, { resourceVersion: start, labelSelector: 'team=a', signal: abort.signal })[Symbol.asyncIterator]();
    await client.create(instanceType, instance('vm', { labels: { team: 'a' } }));
    await client.create(instanceType, instance('other', { labels: { team: 'b' } }));
    await client.patch(instanceType, 'default', 'vm', { type: 'merge', body: { metadata: { labels: { team: 'b' } } } });
    await client.patch(instanceType, 'default', 'other', { type: 'merge', body: { metadata: { labels: { team: 'a' } } } });
    t.same(summary(await take(it, 3)), ['ADDED vm', 'DELETED vm', 'ADDED other']);
  });

  test('watch bookmarks: only when allowed, at the newest revision', async (t, { client, bookmarkIntervalMs }) => {
    const start = await startRevision(client);
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const plain = client.watch(instanceType, { resourceVersion: start, signal: abort.signal })[Symbol.asyncIterator]();
    const marked = client.watch(instanceType, { resourceVersion: start, labelSelector: 'watched=yes', allowBookmarks: true, signal: abort.signal })[
      Symbol.asyncIterator
    ]();
    const hidden = await client.create(instanceType, instance('unwatched'));
    const [bookmark] = await take(marked, 1, { keep: (e) => e.type === 'BOOKMARK' && rvOf(e.object) >= rvOf(hidden), timeoutMs: bookmarkIntervalMs * 10 });
    t.equal(bookmark?.type, 'BOOKMARK', 'a bookmark advances past a change the selector hides');
    const [first] = await take(plain, 1);
    t.equal(first?.type, 'ADDED');
    const more = take(plain, 1, { timeoutMs: bookmarkIntervalMs * 3 });
    t.type(await rejection(more), Error, 'no bookmarks unless asked for');
  });

  test('watch from a compacted revision throws CompactedError', async (t, { client, backend }) => {
    const first = await client.create(instanceType, instance('a'));
    for (let i = 2; i < 5; i++) await client.patch(instanceType, 'default', 'a', { type: 'merge', body: { spec: { vcpus: i } } });
    const { revision } = await backend.stats();
    await backend.compact(revision);
    const it = client.watch(instanceType, { resourceVersion: first.metadata.resourceVersion ?? '' })[Symbol.asyncIterator]();
    t.type(await rejection(take(it, 1)), CompactedError);
    const fresh = await client.list(instanceType);
    t.equal(fresh.items.length, 1, 'a fresh list still works after compaction');
  });

  test('watch ends on abort and after timeoutSeconds', async (t, { client }) => {
    const start = await startRevision(client);
    const abort = new AbortController();
    const aborted = client.watch(instanceType, { resourceVersion: start, signal: abort.signal })[Symbol.asyncIterator]();
    const pending = aborted.next();
    abort.abort();
    t.equal((await pending).done, true, 'abort ends the stream');
    const began = Date.now();
    const timed = client.watch(instanceType, { resourceVersion: start, timeoutSeconds: 1 })[Symbol.asyncIterator]();
    t.equal((await timed.next()).done, true, 'timeoutSeconds ends the stream');
    t.ok(Date.now() - began >= 900, 'not before the timeout');
  });

  test('server-side apply: creates, no-op re-apply, conflicts between managers, force', async (t, { client }) => {
    const config = instance('applied');
    const created = await client.patch(instanceType, 'default', 'applied', { type: 'apply', body: config }, { fieldManager: 'alice' });
    t.equal(created.metadata.name, 'applied');
    t.ok(created.metadata.managedFields?.some((m) => m.manager === 'alice' && m.operation === 'Apply'), 'alice owns the applied fields');
    const again = await client.patch(instanceType, 'default', 'applied', { type: 'apply', body: config }, { fieldManager: 'alice' });
    t.equal(again.metadata.resourceVersion, created.metadata.resourceVersion, 're-applying the same config writes nothing');
    const other = { ...config, spec: { ...config.spec, vcpus: 7 } };
    const err = await rejection(client.patch(instanceType, 'default', 'applied', { type: 'apply', body: other }, { fieldManager: 'bob' }));
    t.ok(isConflict(err), 'a second manager changing an owned field conflicts');
    t.match((err as ConflictError).causes, [{ field: '.spec.vcpus', message: /alice/ }]);
    const forced = await client.patch(instanceType, 'default', 'applied', { type: 'apply', body: other }, { fieldManager: 'bob', force: true });
    t.equal(forced.spec?.['vcpus'], 7);
  });
}
