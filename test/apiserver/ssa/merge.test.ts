import t from 'tap';
import type { JsonObject } from '../../../schemas/object.js';
import { BadRequestError } from '../../../src/errors/index.js';
import { FieldSet } from '../../../src/apiserver/ssa/fieldset.js';
import { fieldSchemaFor, listTypeAt, isFreeMapAt } from '../../../src/apiserver/ssa/lists.js';
import { mergeApplied } from '../../../src/apiserver/ssa/merge.js';
import { fieldPath, field, key, value } from '../../../src/apiserver/ssa/path.js';
import { pruneDisowned } from '../../../src/apiserver/ssa/prune.js';
import { compareObjects } from '../../../src/apiserver/ssa/compare.js';

const schema = fieldSchemaFor('Instance');
const net = (name: string, extra: JsonObject = {}): JsonObject => ({ networkRef: { name }, ...extra });

t.test('list semantics per kind', async (t) => {
  const cases: [string, string, unknown][] = [
    ['Instance', 'spec.networks', { type: 'map', keys: ['networkRef'] }],
    ['Instance', 'spec.volumes', { type: 'map', keys: ['volumeRef'] }],
    ['Instance', 'spec.sshKeys', { type: 'set' }],
    ['Instance', 'metadata.finalizers', { type: 'set' }],
    ['Instance', 'metadata.ownerReferences', { type: 'map', keys: ['uid'] }],
    ['Instance', 'status.conditions', { type: 'map', keys: ['type'] }],
    ['Instance', 'status.addresses', { type: 'atomic' }],
    ['Bucket', 'spec.lifecycle', { type: 'map', keys: ['id'] }],
    ['Pool', 'spec.cidrs', { type: 'atomic' }],
    ['Pool', 'spec.reserved', { type: 'atomic' }],
    ['Network', 'spec.driftOverrides', { type: 'map', keys: ['path'] }],
    ['Volume', 'spec.networks', { type: 'atomic' }],
  ];
  for (const [kind, path, want] of cases) t.same(listTypeAt(kind, path), want, `${kind} ${path}`);
  t.ok(isFreeMapAt('Bucket', 'spec.tags'));
  t.ok(isFreeMapAt('Instance', ['metadata', 'labels']));
  t.notOk(isFreeMapAt('Instance', 'spec.tags'));
});

t.test('merge of an applied configuration into a live object', async (t) => {
  const cases: [string, JsonObject, JsonObject, JsonObject][] = [
    ['scalars are replaced', { spec: { vcpus: 2, image: 'a' } }, { spec: { vcpus: 4 } }, { spec: { vcpus: 4, image: 'a' } }],
    ['labels merge by key', { metadata: { labels: { app: 'web' } } }, { metadata: { labels: { team: 'ops', app: 'api' } } }, { metadata: { labels: { app: 'api', team: 'ops' } } }],
    ['atomic lists are replaced', { spec: { addresses: ['a', 'b'] } }, { spec: { addresses: ['c'] } }, { spec: { addresses: ['c'] } }],
    ['sets are unioned (live-only values stay after their live neighbour)', { spec: { sshKeys: ['k1', 'k2'] } }, { spec: { sshKeys: ['k3', 'k1'] } }, { spec: { sshKeys: ['k3', 'k1', 'k2'] } }],
    [
      'networks merge by networkRef.name, item fields merge',
      { spec: { networks: [net('web', { address: '10.0.0.5' }), net('db')] } },
      { spec: { networks: [net('web', { poolRef: { name: 'p' } })] } },
      { spec: { networks: [net('web', { address: '10.0.0.5', poolRef: { name: 'p' } }), net('db')] } },
    ],
    [
      'applied order wins, live-only items keep their place',
      { spec: { networks: [net('a'), net('x'), net('b'), net('c')] } },
      { spec: { networks: [net('c'), net('b'), net('n')] } },
      { spec: { networks: [net('a'), net('x'), net('c'), net('b'), net('n')] } },
    ],
    ['null is kept for the caller to prune', { spec: { userData: 'x' } }, { spec: { userData: null } }, { spec: { userData: null } }],
    ['type change replaces', { spec: { tags: { a: 'b' } } }, { spec: { tags: 'none' } }, { spec: { tags: 'none' } }],
  ];
  for (const [name, live, applied, want] of cases) t.same(mergeApplied(live, applied, schema), want, name);
});

t.test('a configuration listing a key twice is rejected', async (t) => {
  const applied = { spec: { networks: [net('web'), net('web', { address: '10.0.0.1' })] } };
  t.throws(() => mergeApplied({}, applied, schema), BadRequestError);
  t.throws(() => mergeApplied({}, applied, schema), { message: '.spec.networks: duplicate entries for key [networkRef.name="web"]' });
  t.throws(() => mergeApplied({}, { spec: { sshKeys: ['a', 'a'] } }, schema), { message: '.spec.sshKeys: duplicate entries for key [="a"]' });
});

t.test('pruning removes only what the applier owned and nobody owns now', async (t) => {
  const merged: JsonObject = {
    metadata: { labels: { app: 'web', team: 'ops', orphan: 'x' } },
    spec: { vcpus: 2, userData: '#cloud-config', networks: [net('web', { address: '10.0.0.5' }), net('db')] },
  };
  const webItem = [field('spec'), field('networks'), key({ networkRef: { name: 'web' } })];
  const dbItem = [field('spec'), field('networks'), key({ networkRef: { name: 'db' } })];
  // What the applier applied last time, and what it applies now (networks [web], vcpus).
  const last = FieldSet.of([
    fieldPath('metadata', 'labels', 'app'),
    fieldPath('spec', 'userData'),
    fieldPath('spec', 'vcpus'),
    webItem,
    [...webItem, field('networkRef'), field('name')],
    dbItem,
    [...dbItem, field('networkRef'), field('name')],
  ]);
  const now = FieldSet.of([fieldPath('spec', 'vcpus'), webItem, [...webItem, field('networkRef'), field('name')]]);
  // An updater owns the team label and the address it set on the web item; "orphan" is owned by nobody.
  const updater = FieldSet.of([fieldPath('metadata', 'labels', 'team'), [...webItem, field('address')]]);
  const cases: [string, FieldSet, JsonObject][] = [
    [
      'drops the app label, userData and the db item; keeps what others own and what nobody ever owned',
      now.union(updater),
      {
        metadata: { labels: { team: 'ops', orphan: 'x' } },
        spec: { vcpus: 2, networks: [net('web', { address: '10.0.0.5' })] },
      },
    ],
    [
      'fields another manager also owns stay',
      now.union(updater).union(FieldSet.of([fieldPath('spec', 'userData'), fieldPath('metadata', 'labels', 'app')])),
      {
        metadata: { labels: { app: 'web', team: 'ops', orphan: 'x' } },
        spec: { vcpus: 2, userData: '#cloud-config', networks: [net('web', { address: '10.0.0.5' })] },
      },
    ],
  ];
  for (const [name, owned, want] of cases) t.same(pruneDisowned({ merged, lastApplied: last, owned, schema }), want, name);
  t.same(pruneDisowned({ merged, lastApplied: FieldSet.empty(), owned: now, schema }), merged, 'a first apply prunes nothing');
});

t.test('compare reports added, modified and removed paths', async (t) => {
  const before = { metadata: { labels: { a: '1' } }, spec: { vcpus: 2, sshKeys: ['k1'], networks: [net('web')] } };
  const after = { metadata: { labels: { a: '2' }, annotations: { n: 'x' } }, spec: { sshKeys: ['k2'], networks: [net('web'), net('db')] } };
  const c = compareObjects(before, after, schema);
  t.same(c.modified.renderedPaths(), ['.metadata.labels.a']);
  t.same(c.added.renderedPaths(), [
    '.metadata.annotations',
    '.metadata.annotations.n',
    '.spec.networks[networkRef.name="db"]',
    '.spec.networks[networkRef.name="db"].networkRef',
    '.spec.networks[networkRef.name="db"].networkRef.name',
    '.spec.sshKeys[="k2"]',
  ]);
  t.same(c.removed.renderedPaths(), ['.spec.vcpus', '.spec.sshKeys[="k1"]']);
  t.ok(c.removed.has([field('spec'), field('sshKeys'), value('k1')]));
  const same = compareObjects(before, before, schema);
  t.ok(same.added.isEmpty() && same.modified.isEmpty() && same.removed.isEmpty(), 'equal objects compare empty');
});
