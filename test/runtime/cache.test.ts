import t from 'tap';
import type { KubeObject } from '../../schemas/object.js';
import { parseLabelSelector } from '../../src/apiserver/util/labels.js';
import { InvalidError } from '../../src/errors/index.js';
import { Cache, NAMESPACE_INDEX } from '../../src/runtime/cache.js';
import { instance } from '../client/fixtures.js';

function obj(name: string, rv: string, options: { namespace?: string; team?: string } = {}): KubeObject {
  const o = instance(name, { namespace: options.namespace ?? 'default', ...(options.team ? { labels: { team: options.team } } : {}) });
  o.metadata.resourceVersion = rv;
  return o;
}

const byTeam = (o: KubeObject) => (o.metadata.labels?.['team'] ? [o.metadata.labels['team']] : []);
const names = (objs: readonly KubeObject[]) => objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();

t.test('replace reports what was added, updated (resourceVersion changed) and deleted', async (t) => {
  const cache = new Cache();
  cache.replace([obj('a', '1'), obj('b', '2'), obj('c', '3')]);
  const diff = cache.replace([obj('a', '1'), obj('b', '5'), obj('d', '6')]);
  t.same(names(diff.added), ['default/d']);
  t.same(diff.updated.map((u) => [u.old.metadata.resourceVersion, u.new.metadata.resourceVersion]), [['2', '5']]);
  t.same(names(diff.deleted), ['default/c']);
  t.same(names(cache.list()), ['default/a', 'default/b', 'default/d']);
  t.equal(cache.size, 3);
});

t.test('indexes: namespace built in, custom ones kept current through upserts and removes', async (t) => {
  const cache = new Cache({ indexers: { team: byTeam } });
  cache.upsert(obj('a', '1', { namespace: 'x', team: 'red' }));
  cache.upsert(obj('b', '2', { namespace: 'y', team: 'red' }));
  cache.upsert(obj('c', '3', { namespace: 'x', team: 'blue' }));
  const cases = [
    { index: NAMESPACE_INDEX, value: 'x', want: ['x/a', 'x/c'] },
    { index: 'team', value: 'red', want: ['x/a', 'y/b'] },
    { index: 'team', value: 'green', want: [] },
  ];
  for (const c of cases) t.same(names(cache.byIndex(c.index, c.value)), c.want, `${c.index}=${c.value}`);
  cache.upsert(obj('a', '4', { namespace: 'x', team: 'blue' }));
  t.same(names(cache.byIndex('team', 'red')), ['y/b'], 'an update moves the object between index values');
  cache.remove('x/c');
  t.same(names(cache.byIndex('team', 'blue')), ['x/a']);
  cache.addIndexer('name', (o) => [o.metadata.name]);
  t.same(names(cache.byIndex('name', 'b')), ['y/b'], 'a late index covers existing objects');
  t.throws(() => cache.byIndex('nope', 'x'), InvalidError, 'unknown index');
  t.throws(() => cache.addIndexer('team', byTeam), InvalidError);
});

t.test('list filters by namespace and label selector', async (t) => {
  const cache = new Cache();
  cache.replace([obj('a', '1', { namespace: 'x', team: 'red' }), obj('b', '2', { namespace: 'x' }), obj('c', '3', { namespace: 'y', team: 'red' })]);
  t.same(names(cache.list({ namespace: 'x' })), ['x/a', 'x/b']);
  t.same(names(cache.list({ labels: parseLabelSelector('team=red') })), ['x/a', 'y/c']);
  t.same(names(cache.list({ namespace: 'x', labels: parseLabelSelector('!team') })), ['x/b']);
});

t.test('cached objects are frozen so a reader cannot corrupt what others see', async (t) => {
  const cache = new Cache();
  cache.upsert(obj('a', '1'));
  const cached = cache.get('default/a');
  t.ok(cached);
  t.throws(() => {
    (cached as KubeObject).metadata.name = 'evil';
  }, TypeError);
  t.throws(() => {
    (cached?.spec as Record<string, unknown>)['vcpus'] = 64;
  }, TypeError);
  const copy = structuredClone(cached) as KubeObject;
  copy.metadata.name = 'fine';
  t.equal(cache.get('default/a')?.metadata.name, 'a');
});
