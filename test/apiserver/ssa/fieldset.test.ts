import t from 'tap';
import type { JsonObject } from '../../../schemas/object.js';
import { BadRequestError } from '../../../src/errors/index.js';
import { FieldSet } from '../../../src/apiserver/ssa/fieldset.js';
import { fieldSchemaFor } from '../../../src/apiserver/ssa/lists.js';
import { field, fieldPath, key, renderPath, value, type Path } from '../../../src/apiserver/ssa/path.js';
import { fieldSetFromObject } from '../../../src/apiserver/ssa/toset.js';

const instanceSchema = fieldSchemaFor('Instance');
const set = (...paths: Path[]): FieldSet => FieldSet.of(paths);
const rendered = (s: FieldSet): string[] => s.renderedPaths();

t.test('FieldsV1 written by kube-apiserver decodes and re-encodes byte for byte', async (t) => {
  const cases: [string, string][] = [
    [
      'Update entry with "." for added maps and a keyed list',
      '{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},"f:status":{"f:conditions":{".":{},"k:{\\"type\\":\\"Available\\"}":{".":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}}}}',
    ],
    ['set items', '{"f:metadata":{"f:finalizers":{".":{},"v:\\"foregroundDeletion\\"":{}}}}'],
    [
      'object-valued key',
      '{"f:spec":{"f:networks":{"k:{\\"networkRef\\":{\\"name\\":\\"web\\"}}":{".":{},"f:address":{},"f:networkRef":{"f:name":{}}}},"f:vcpus":{}}}',
    ],
    ['index elements', '{"f:spec":{"f:list":{"i:0":{},"i:10":{},"i:2":{}}}}'],
  ];
  for (const [name, text] of cases) {
    const decoded = FieldSet.fromFieldsV1(JSON.parse(text) as JsonObject);
    const again = JSON.stringify(decoded.toFieldsV1());
    if (name === 'index elements') t.equal(again, '{"f:spec":{"f:list":{"i:0":{},"i:2":{},"i:10":{}}}}', `${name}: indexes in numeric order`);
    else t.equal(again, text, name);
  }
});

t.test('serialisation order is fixed whatever the input order: fields, keys, values; "." first', async (t) => {
  const s = set(
    [field('spec'), field('vcpus')],
    [field('metadata'), field('labels'), field('b')],
    [field('metadata'), field('labels')],
    [field('metadata'), field('labels'), field('a')],
    [field('metadata'), field('finalizers'), value('z')],
    [field('metadata'), field('finalizers'), value('a')],
  );
  t.equal(
    JSON.stringify(s.toFieldsV1()),
    '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"z\\"":{}},"f:labels":{".":{},"f:a":{},"f:b":{}}},"f:spec":{"f:vcpus":{}}}',
  );
});

t.test('paths render as in kube conflict causes', async (t) => {
  const cases: [Path, string][] = [
    [fieldPath('spec', 'vcpus'), '.spec.vcpus'],
    [[field('status'), field('conditions'), key({ type: 'Ready' }), field('status')], '.status.conditions[type="Ready"].status'],
    [[field('spec'), field('sshKeys'), value('ssh-ed25519 AAAA me')], '.spec.sshKeys[="ssh-ed25519 AAAA me"]'],
    [[field('spec'), field('networks'), key({ networkRef: { name: 'web' } }), field('address')], '.spec.networks[networkRef.name="web"].address'],
    [[field('metadata'), field('ownerReferences'), key({ uid: 'u-1' })], '.metadata.ownerReferences[uid="u-1"]'],
    [[field('metadata'), field('labels'), field('app.kubernetes.io/name')], '.metadata.labels.app.kubernetes.io/name'],
  ];
  for (const [path, want] of cases) t.equal(renderPath(path), want, want);
});

t.test('set algebra works path by path', async (t) => {
  const a = set(fieldPath('spec', 'vcpus'), fieldPath('spec', 'image'), fieldPath('spec'), fieldPath('metadata', 'labels', 'app'));
  const b = set(fieldPath('spec', 'vcpus'), fieldPath('spec', 'memoryMiB'), fieldPath('metadata', 'labels', 'app'));
  const cases: [string, FieldSet, string[]][] = [
    ['union (members before deeper paths, as SMD iterates)', a.union(b), ['.spec', '.metadata.labels.app', '.spec.image', '.spec.memoryMiB', '.spec.vcpus']],
    ['intersection', a.intersection(b), ['.metadata.labels.app', '.spec.vcpus']],
    ['difference keeps children of a removed member', a.difference(set(fieldPath('spec'))), ['.metadata.labels.app', '.spec.image', '.spec.vcpus']],
    ['difference', a.difference(b), ['.spec', '.spec.image']],
    ['difference with empty', a.difference(FieldSet.empty()), rendered(a)],
    ['intersection with empty', a.intersection(FieldSet.empty()), []],
  ];
  for (const [name, got, want] of cases) t.same(rendered(got), want, name);
  t.ok(a.has(fieldPath('spec')), 'has a member with children');
  t.notOk(a.has(fieldPath('metadata', 'labels')), 'an inner node is not a member');
  t.notOk(a.has([]), 'the root is never a member');
  t.same(rendered(a.withPrefix(field('spec'))), ['.image', '.vcpus']);
  t.ok(a.intersection(b).difference(a).isEmpty());
  t.ok(a.union(b).equals(b.union(a)));
  t.notOk(a.equals(b));
});

t.test('fieldSetFromObject owns what a configuration sets', async (t) => {
  const cases: [string, JsonObject, string[]][] = [
    ['scalars, not their parents', { spec: { vcpus: 2, providerRef: { name: 'p' } } }, ['.spec.vcpus', '.spec.providerRef.name']],
    ['label entries', { metadata: { labels: { app: 'web', tier: 'fe' } } }, ['.metadata.labels.app', '.metadata.labels.tier']],
    ['empty map and null are owned as fields', { spec: { userData: null, tags: {} } }, ['.spec.tags', '.spec.userData']],
    ['atomic list as one field', { spec: { volumes: [], cidrs: ['10.0.0.0/8'] } }, ['.spec.cidrs']],
    [
      'keyed items with their fields',
      { spec: { networks: [{ networkRef: { name: 'web' }, address: '10.0.0.5' }] } },
      [
        '.spec.networks[networkRef.name="web"]',
        '.spec.networks[networkRef.name="web"].address',
        '.spec.networks[networkRef.name="web"].networkRef.name',
      ],
    ],
    ['set values', { spec: { sshKeys: ['ssh-ed25519 B', 'ssh-ed25519 A'] } }, ['.spec.sshKeys[="ssh-ed25519 A"]', '.spec.sshKeys[="ssh-ed25519 B"]']],
    ['finalizers are a set', { metadata: { finalizers: ['converge.io/cleanup'] } }, ['.metadata.finalizers[="converge.io/cleanup"]']],
  ];
  for (const [name, obj, want] of cases) t.same(rendered(fieldSetFromObject(obj, instanceSchema)), want, name);
});

t.test('unidentifiable list items are a bad request', async (t) => {
  const cases: [string, JsonObject, RegExp][] = [
    ['missing key', { spec: { networks: [{ address: '10.0.0.1' }] } }, /^\.spec\.networks: element 0: associative list with keys has an element that omits key field "networkRef"/],
    ['scalar in keyed list', { spec: { networks: ['web'] } }, /may not have non-map elements/],
    ['object in a set', { spec: { sshKeys: [{ key: 'x' }] } }, /^\.spec\.sshKeys: element 0: associative list without keys has an element that's a map type/],
  ];
  for (const [name, obj, message] of cases) {
    t.throws(() => fieldSetFromObject(obj, instanceSchema), BadRequestError, name);
    t.throws(() => fieldSetFromObject(obj, instanceSchema), { message }, name);
  }
});

t.test('ensureNamedFieldsAreMembers promotes struct fields, not free-map entries or list items', async (t) => {
  const s = set(
    [field('spec'), field('providerRef'), field('name')],
    [field('metadata'), field('labels'), field('app')],
    [field('spec'), field('networks'), key({ networkRef: { name: 'web' } }), field('address')],
  );
  t.same(rendered(s.ensureNamedFieldsAreMembers(instanceSchema)), [
    '.metadata',
    '.spec',
    '.metadata.labels',
    '.metadata.labels.app',
    '.spec.networks',
    '.spec.providerRef',
    '.spec.networks[networkRef.name="web"].address',
    '.spec.providerRef.name',
  ]);
});

t.test('malformed FieldsV1 is a bad request; unknown element types are skipped', async (t) => {
  t.throws(() => FieldSet.fromFieldsV1([]), BadRequestError);
  t.throws(() => FieldSet.fromFieldsV1({ 'x': {} }), { message: /missing colon/ });
  t.throws(() => FieldSet.fromFieldsV1({ 'k:{not json}': {} }), BadRequestError);
  t.throws(() => FieldSet.fromFieldsV1({ 'i:one': {} }), BadRequestError);
  t.throws(() => FieldSet.fromFieldsV1({ 'f:spec': 'x' }), BadRequestError);
  const s = FieldSet.fromFieldsV1({ 'f:spec': { 'f:vcpus': {}, 'z:future': {} } });
  t.same(rendered(s), ['.spec.vcpus']);
});
