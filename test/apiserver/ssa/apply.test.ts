import t, { type Test } from 'tap';
import type { KubeObject } from '../../../schemas/object.js';
import { BadRequestError, ConflictError, NotFoundError, isConflict } from '../../../src/errors/index.js';
import { serverSideApply } from '../../../src/apiserver/ssa/index.js';
import { API_VERSION, T0, T1, T2, apply, baseSpec, entryOf, instance, managersOf, stored } from './fixtures.js';

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(t: Test, fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  t.fail('expected an error');
  return undefined;
}

const config = instance(baseSpec, { labels: { app: 'web' } });
const created = apply({ live: undefined, applied: config, manager: 'alice' });

t.test('the first apply creates the object and owns every field it set', async (t) => {
  const r = serverSideApply({ live: undefined, applied: config, manager: 'alice', force: false, now: T0 });
  t.equal(r.changed, true);
  t.same(r.object.spec, baseSpec);
  t.same(r.object.metadata.labels, { app: 'web' });
  t.notOk(r.object.metadata.uid, 'server-owned metadata is left to the registry');
  t.same(r.object.metadata.managedFields, [
    {
      manager: 'alice',
      operation: 'Apply',
      apiVersion: API_VERSION,
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:image': {},
          'f:memoryMiB': {},
          'f:networks': { 'k:{"networkRef":{"name":"web"}}': { '.': {}, 'f:networkRef': { 'f:name': {} } } },
          'f:providerRef': { 'f:name': {} },
          'f:vcpus': {},
        },
      },
    },
  ]);
});

t.test('re-applying the same configuration writes nothing', async (t) => {
  const reordered = instance({ vcpus: 2, networks: [{ networkRef: { name: 'web' } }], memoryMiB: 2048, image: 'debian-12', providerRef: { name: 'default' } }, { labels: { app: 'web' } });
  for (const [name, applied] of [['same', config], ['same fields in another order', reordered]] as const) {
    const r = serverSideApply({ live: created, applied, manager: 'alice', force: false, now: T2 });
    t.equal(r.changed, false, name);
    t.equal(r.object, created, `${name}: the live object itself is returned`);
  }
});

t.test('two managers own different fields side by side', async (t) => {
  const bob = instance({ sshKeys: ['ssh-ed25519 AAAAC3Nza bob@laptop'] }, { labels: { team: 'infra' } });
  const after = apply({ live: created, applied: bob, manager: 'bob', now: T1 });
  t.same(after.metadata.labels, { app: 'web', team: 'infra' });
  t.same(after.spec, { ...baseSpec, sshKeys: ['ssh-ed25519 AAAAC3Nza bob@laptop'] });
  t.same(managersOf(after), ['alice/Apply', 'bob/Apply']);
  t.same(entryOf(after, 'alice'), entryOf(created, 'alice'), "alice's entry is untouched");
  t.same(entryOf(after, 'bob')?.fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:team': {} } },
    'f:spec': { 'f:sshKeys': { 'v:"ssh-ed25519 AAAAC3Nza bob@laptop"': {} } },
  });
  t.equal(entryOf(after, 'bob')?.time, '2024-05-01T11:30:00Z');
});

t.test('changing a field another manager owns conflicts', async (t) => {
  const cases: [string, KubeObject, string, { field: string; message: string }[]][] = [
    [
      'one field',
      instance({ vcpus: 4 }),
      'Apply failed with 1 conflict: conflict with "alice": .spec.vcpus',
      [{ field: '.spec.vcpus', message: 'conflict with "alice"' }],
    ],
    [
      'two fields',
      instance({ vcpus: 4, memoryMiB: 4096 }),
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.memoryMiB\n- .spec.vcpus',
      [
        { field: '.spec.memoryMiB', message: 'conflict with "alice"' },
        { field: '.spec.vcpus', message: 'conflict with "alice"' },
      ],
    ],
    [
      'a label and a network item field',
      instance({ networks: [{ networkRef: { name: 'web' }, address: '10.0.0.9' }] }, { labels: { app: 'api' } }),
      'Apply failed with 1 conflict: conflict with "alice": .metadata.labels.app',
      [{ field: '.metadata.labels.app', message: 'conflict with "alice"' }],
    ],
  ];
  for (const [name, applied, message, causes] of cases) {
    const err = thrown(t, () => serverSideApply({ live: created, applied, manager: 'bob', force: false, now: T1 }));
    t.ok(isConflict(err), `${name}: a ConflictError`);
    if (!(err instanceof ConflictError)) continue;
    t.equal(err.httpStatus, 409, name);
    t.equal(err.message, message, name);
    t.same(err.causes, causes.map((c) => ({ reason: 'FieldManagerConflict', ...c })), name);
  }
});

t.test('force takes the field; the loser then conflicts in turn', async (t) => {
  const forced = apply({ live: created, applied: instance({ vcpus: 4 }), manager: 'bob', force: true, now: T1 });
  t.equal(forced.spec?.['vcpus'], 4);
  t.notOk(JSON.stringify(entryOf(forced, 'alice')?.fieldsV1).includes('f:vcpus'), 'alice no longer owns spec.vcpus');
  t.same(entryOf(forced, 'bob')?.fieldsV1, { 'f:spec': { 'f:vcpus': {} } });
  t.same(forced.spec?.['memoryMiB'], 2048, 'fields bob did not apply are untouched');
  const err = thrown(t, () => serverSideApply({ live: forced, applied: config, manager: 'alice', force: false, now: T2 }));
  t.match(err, { message: 'Apply failed with 1 conflict: conflict with "bob": .spec.vcpus' });
});

t.test('applying the value already there shares ownership without conflict', async (t) => {
  const r = serverSideApply({ live: created, applied: instance({ vcpus: 2 }), manager: 'bob', force: false, now: T1 });
  t.equal(r.changed, true, 'managedFields changed');
  t.same(r.object.spec, created.spec, 'the object did not');
  t.same(entryOf(r.object, 'bob')?.fieldsV1, { 'f:spec': { 'f:vcpus': {} } });
  t.ok(JSON.stringify(entryOf(r.object, 'alice')?.fieldsV1).includes('f:vcpus'), 'alice still owns it too');
});

t.test('a field dropped from the configuration is removed unless another manager owns it', async (t) => {
  const withExtras = instance({ ...baseSpec, userData: '#cloud-config\n', sshKeys: ['ssh-ed25519 AAAA alice'] }, { labels: { app: 'web', tier: 'fe' } });
  const v1 = apply({ live: created, applied: withExtras, manager: 'alice', now: T1 });
  t.equal(v1.spec?.['userData'], '#cloud-config\n');
  const dropped = apply({ live: v1, applied: config, manager: 'alice', now: T2 });
  t.same(dropped.spec, baseSpec, 'userData and sshKeys removed');
  t.same(dropped.metadata.labels, { app: 'web' }, 'tier label removed');
  t.same(entryOf(dropped, 'alice'), { ...entryOf(created, 'alice'), time: '2024-05-02T08:00:00Z' });

  const shared = apply({ live: v1, applied: instance({ userData: '#cloud-config\n' }), manager: 'bob', now: T1 });
  const kept = apply({ live: shared, applied: config, manager: 'alice', now: T2 });
  t.equal(kept.spec?.['userData'], '#cloud-config\n', 'bob still applies userData');
  t.notOk('sshKeys' in (kept.spec ?? {}), 'sshKeys, owned by alice alone, is gone');
  t.notOk(JSON.stringify(entryOf(kept, 'alice')?.fieldsV1).includes('userData'));
});

t.test('labels merge by key and networks by networkRef.name', async (t) => {
  const bob = apply({
    live: created,
    applied: instance({ networks: [{ networkRef: { name: 'db' }, address: '10.1.0.4' }] }, { labels: { team: 'infra' } }),
    manager: 'bob',
    now: T1,
  });
  t.same(bob.spec?.['networks'], [{ networkRef: { name: 'web' } }, { networkRef: { name: 'db' }, address: '10.1.0.4' }]);
  const alice = apply({
    live: bob,
    applied: instance({ ...baseSpec, networks: [{ networkRef: { name: 'web' } }, { networkRef: { name: 'api' } }] }, { labels: { app: 'web' } }),
    manager: 'alice',
    now: T2,
  });
  t.same(alice.spec?.['networks'], [{ networkRef: { name: 'web' } }, { networkRef: { name: 'db' }, address: '10.1.0.4' }, { networkRef: { name: 'api' } }]);
  t.same(alice.metadata.labels, { app: 'web', team: 'infra' });

  const aliceAddr = apply({ live: created, applied: instance({ ...baseSpec, networks: [{ networkRef: { name: 'web' }, address: '10.0.0.5' }] }, { labels: { app: 'web' } }), manager: 'alice', now: T1 });
  const err = thrown(t, () =>
    serverSideApply({ live: aliceAddr, applied: instance({ networks: [{ networkRef: { name: 'web' }, address: '10.0.0.6' }] }), manager: 'bob', force: false, now: T2 }),
  );
  t.match(err, { causes: [{ reason: 'FieldManagerConflict', field: '.spec.networks[networkRef.name="web"].address', message: 'conflict with "alice"' }] });
});

t.test('finalizers are a set: each manager keeps its own', async (t) => {
  const a = apply({ live: created, applied: instance(baseSpec, { labels: { app: 'web' }, finalizers: ['converge.io/a'] }), manager: 'alice', now: T1 });
  const b = apply({ live: a, applied: instance({}, { finalizers: ['converge.io/protect'] }), manager: 'controller', now: T1 });
  t.same(b.metadata.finalizers, ['converge.io/a', 'converge.io/protect']);
  const c = apply({ live: b, applied: config, manager: 'alice', now: T2 });
  t.same(c.metadata.finalizers, ['converge.io/protect']);
});

t.test('the status subresource applies status only; the main resource ignores status', async (t) => {
  const statusCfg: KubeObject = { ...instance({ vcpus: 64 }), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
  const r = serverSideApply({ live: created, applied: statusCfg, manager: 'instance-controller', force: false, now: T1, subresource: 'status' });
  t.same(r.object.spec, created.spec, 'spec untouched (no conflict on vcpus either)');
  t.same(r.object.status, statusCfg.status);
  t.same(entryOf(r.object, 'instance-controller'), {
    manager: 'instance-controller',
    operation: 'Apply',
    apiVersion: API_VERSION,
    time: '2024-05-01T11:30:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} } },
    subresource: 'status',
  });
  const synced: KubeObject = { ...instance({}), status: { conditions: [{ type: 'Synced', status: 'False', reason: 'ReconcileError' }] } };
  const r2 = serverSideApply({ live: r.object, applied: synced, manager: 'sync-controller', force: false, now: T2, subresource: 'status' });
  t.same(r2.object.status?.['conditions'], [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False', reason: 'ReconcileError' }]);

  const main = serverSideApply({ live: r.object, applied: { ...config, status: { phase: 'Failed' } }, manager: 'alice', force: false, now: T2 });
  t.equal(main.changed, false, 'a main-resource apply cannot touch status');

  t.throws(() => serverSideApply({ live: undefined, applied: statusCfg, manager: 'c', force: false, now: T1, subresource: 'status' }), NotFoundError);
});

t.test('server-owned metadata is never touched', async (t) => {
  const live: KubeObject = { ...created, metadata: { ...created.metadata, deletionTimestamp: '2024-05-01T12:00:00Z', finalizers: ['converge.io/cleanup'] } };
  const sneaky = instance({ vcpus: 2 }, { labels: { app: 'web', extra: 'x' } });
  sneaky.metadata = { ...sneaky.metadata, uid: 'forged', resourceVersion: '1', generation: 99, creationTimestamp: '2000-01-01T00:00:00Z' };
  const r = serverSideApply({ live, applied: sneaky, manager: 'bob', force: false, now: T1 });
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'finalizers'] as const) {
    t.same(r.object.metadata[f], live.metadata[f], f);
  }
  t.same(entryOf(r.object, 'bob')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {}, 'f:extra': {} } }, 'f:spec': { 'f:vcpus': {} } });
});

t.test('malformed apply requests are bad requests', async (t) => {
  const withManaged: KubeObject = { ...config, metadata: { ...config.metadata, managedFields: [] } };
  const cases: [string, KubeObject, string][] = [
    ['managedFields set', withManaged, 'metadata.managedFields must be nil'],
    ['another kind', { ...config, kind: 'Volume' }, 'invalid object type: converge.io/v1alpha1, Kind=Volume'],
    ['another version', { ...config, apiVersion: 'converge.io/v1' }, 'invalid object type: converge.io/v1, Kind=Instance'],
    ['duplicate network', instance({ networks: [{ networkRef: { name: 'a' } }, { networkRef: { name: 'a' } }] }), '.spec.networks: duplicate entries for key [networkRef.name="a"]'],
  ];
  for (const [name, applied, message] of cases) {
    const err = thrown(t, () => serverSideApply({ live: created, applied, manager: 'bob', force: false, now: T1 }));
    t.ok(err instanceof BadRequestError, name);
    t.match(err, { message }, name);
  }
});

t.test('an applied null removes the field and keeps ownership of it', async (t) => {
  const v1 = apply({ live: created, applied: instance({ ...baseSpec, userData: 'x' }, { labels: { app: 'web' } }), manager: 'alice', now: T1 });
  const v2 = apply({ live: v1, applied: instance({ ...baseSpec, userData: null }, { labels: { app: 'web' } }), manager: 'alice', now: T2 });
  t.notOk('userData' in (v2.spec ?? {}));
  t.ok(JSON.stringify(entryOf(v2, 'alice')?.fieldsV1).includes('f:userData'));
  t.ok(stored(v2).metadata.uid);
});

t.test('inputs are never modified', async (t) => {
  const freeze = <T>(v: T): T => {
    if (typeof v === 'object' && v !== null) {
      for (const x of Object.values(v)) freeze(x);
      Object.freeze(v);
    }
    return v;
  };
  const live = freeze(structuredClone(created));
  const before = JSON.stringify(live);
  const runs: [string, () => unknown][] = [
    ['merge and prune', () => serverSideApply({ live, applied: freeze(instance({ ...baseSpec, vcpus: 2, sshKeys: ['k'] }, { labels: { x: 'y' } })), manager: 'alice', force: false, now: T1 })],
    ['force', () => serverSideApply({ live, applied: freeze(instance({ vcpus: 8, networks: [{ networkRef: { name: 'db' } }] })), manager: 'bob', force: true, now: T1 })],
    ['status', () => serverSideApply({ live, applied: freeze({ ...instance({}), status: { phase: 'Running' } }), manager: 'c', force: false, now: T1, subresource: 'status' })],
  ];
  for (const [name, run] of runs) {
    t.doesNotThrow(run, name);
    t.equal(JSON.stringify(live), before, name);
  }
});
