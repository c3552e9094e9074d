import t from 'tap';
import type { KubeObject, ManagedFieldsEntry } from '../../../schemas/object.js';
import { recordUpdate } from '../../../src/apiserver/ssa/index.js';
import { API_VERSION, T0, T1, T2, apply, baseSpec, entryOf, instance, managersOf, stored, withSpec, write } from './fixtures.js';

const applied = apply({ live: undefined, applied: instance(baseSpec, { labels: { app: 'web', tier: 'fe' } }), manager: 'alice' });

t.test('a create records everything under the creator, containers included', async (t) => {
  const obj = write(undefined, instance({ ...baseSpec, sshKeys: ['ssh-ed25519 AAAA k'] }, { labels: { app: 'web' } }), 'converge', T0);
  t.same(obj.metadata.managedFields, [
    {
      manager: 'converge',
      operation: 'Update',
      apiVersion: API_VERSION,
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          '.': {},
          'f:image': {},
          'f:memoryMiB': {},
          'f:networks': { '.': {}, 'k:{"networkRef":{"name":"web"}}': { '.': {}, 'f:networkRef': { '.': {}, 'f:name': {} } } },
          'f:providerRef': { '.': {}, 'f:name': {} },
          'f:sshKeys': { '.': {}, 'v:"ssh-ed25519 AAAA k"': {} },
          'f:vcpus': {},
        },
      },
    },
  ]);
});

t.test('an update takes the fields it changed from their owners', async (t) => {
  const edited = write(applied, withSpec(applied, { vcpus: 8 }), 'kubectl-edit', T1);
  t.same(managersOf(edited), ['alice/Apply', 'kubectl-edit/Update']);
  t.same(entryOf(edited, 'kubectl-edit')?.fieldsV1, { 'f:spec': { 'f:vcpus': {} } });
  t.equal(entryOf(edited, 'kubectl-edit')?.time, '2024-05-01T11:30:00Z');
  t.notOk(JSON.stringify(entryOf(edited, 'alice')?.fieldsV1).includes('f:vcpus'));
  t.equal(entryOf(edited, 'alice')?.time, entryOf(applied, 'alice')?.time, "alice's time is not touched");

  const again = write(edited, withSpec(edited, { memoryMiB: 1024 }), 'kubectl-edit', T2);
  t.same(entryOf(again, 'kubectl-edit')?.fieldsV1, { 'f:spec': { 'f:memoryMiB': {}, 'f:vcpus': {} } }, 'a later write adds to the entry');
  t.equal(entryOf(again, 'kubectl-edit')?.time, '2024-05-02T08:00:00Z');

  const sameName = write(applied, withSpec(applied, { vcpus: 8 }), 'alice', T1);
  t.same(managersOf(sameName), ['alice/Apply', 'alice/Update'], 'an applier that also updates gets a separate Update entry');
});

t.test('writes that change nothing, or only remove, record no new entry', async (t) => {
  t.same(recordUpdate({ live: applied, updated: { ...applied }, manager: 'kubectl-edit', now: T2 }), applied.metadata.managedFields);
  const { tier: _tier, ...labels } = applied.metadata.labels ?? {};
  const removed = write(applied, { ...applied, metadata: { ...applied.metadata, labels } }, 'kubectl-label', T1);
  t.same(managersOf(removed), ['alice/Apply']);
  t.notOk(JSON.stringify(entryOf(removed, 'alice')?.fieldsV1).includes('f:tier'), 'the removed label leaves its owner');
  t.equal(entryOf(removed, 'alice')?.time, entryOf(applied, 'alice')?.time);
});

t.test('which managedFields an update starts from', async (t) => {
  const untracked = stored(instance(baseSpec));
  const bobOnly: ManagedFieldsEntry[] = [
    { manager: 'bob', operation: 'Apply', apiVersion: API_VERSION, time: '2024-04-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:image': {} } } },
  ];
  const withFields = (obj: KubeObject, managedFields: unknown): KubeObject =>
    ({ ...obj, metadata: { ...obj.metadata, managedFields } }) as KubeObject;
  const cases: [string, KubeObject, KubeObject, string[]][] = [
    ['an untracked object stays untracked', untracked, withSpec(untracked, { vcpus: 8 }), []],
    ['[] resets tracking', applied, withFields(withSpec(applied, { vcpus: 8 }), []), []],
    ['[{}] resets tracking', applied, withFields(withSpec(applied, { vcpus: 8 }), [{}]), []],
    ['a client may rewrite managedFields', applied, withFields(withSpec(applied, { vcpus: 8 }), bobOnly), ['bob/Apply', 'kubectl-edit/Update']],
    ['invalid ones are ignored', applied, withFields(withSpec(applied, { vcpus: 8 }), [{ ...bobOnly[0], operation: 'Bogus' }]), ['alice/Apply', 'kubectl-edit/Update']],
    ['omitted ones are kept', applied, withFields(withSpec(applied, { vcpus: 8 }), undefined), ['alice/Apply', 'kubectl-edit/Update']],
  ];
  for (const [name, live, updated, want] of cases) {
    const got = recordUpdate({ live, updated, manager: 'kubectl-edit', now: T1 });
    t.same(got.map((e) => `${e.manager}/${e.operation}`), want, name);
  }
});

t.test('status writes record only status, with subresource "status"', async (t) => {
  const updated: KubeObject = { ...withSpec(applied, { vcpus: 99 }), status: { phase: 'Running', addresses: ['10.0.0.5'] } };
  const got = recordUpdate({ live: applied, updated, manager: 'instance-controller', now: T1, subresource: 'status' });
  t.same(got.find((e) => e.manager === 'instance-controller'), {
    manager: 'instance-controller',
    operation: 'Update',
    apiVersion: API_VERSION,
    time: '2024-05-01T11:30:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { '.': {}, 'f:addresses': {}, 'f:phase': {} } },
    subresource: 'status',
  });
  t.same(got.find((e) => e.manager === 'alice'), entryOf(applied, 'alice'), 'spec ownership untouched by a status write');
});

t.test('more than 10 updaters fold the oldest into ancient-changes', async (t) => {
  let obj = applied;
  for (let i = 0; i < 12; i++) {
    const labels = { ...obj.metadata.labels, [`l${i}`]: 'x' };
    obj = write(obj, { ...obj, metadata: { ...obj.metadata, labels } }, `writer-${String(i).padStart(2, '0')}`, new Date(T0.getTime() + i * 60_000));
  }
  const updaters = (obj.metadata.managedFields ?? []).filter((e) => e.operation === 'Update');
  t.equal(updaters.length, 10);
  const ancient = entryOf(obj, 'ancient-changes');
  t.same(ancient?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:l0': {}, 'f:l1': {}, 'f:l2': {} } } }, 'the three oldest writers merged');
  t.equal(ancient?.time, '2024-05-01T10:02:00Z', 'with the time of the newest merged one');
  t.notOk(entryOf(obj, 'writer-00') ?? entryOf(obj, 'writer-02'));
  t.ok(entryOf(obj, 'writer-03') && entryOf(obj, 'writer-11') && entryOf(obj, 'alice'));
});
