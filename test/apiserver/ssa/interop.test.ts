import t from 'tap';
import type { KubeObject } from '../../../schemas/object.js';
import { ConflictError } from '../../../src/errors/index.js';
import { LAST_APPLIED_ANNOTATION, serverSideApply } from '../../../src/apiserver/ssa/index.js';
import { T0, T1, T2, apply, baseSpec, entryOf, instance, managersOf, stored, withSpec, write } from './fixtures.js';

/** What client-side `kubectl apply` sends: the object plus its configuration as an annotation. */
function clientSideApplied(spec: typeof baseSpec): KubeObject {
  const cfg = instance(spec, { labels: { app: 'web' } });
  const annotation = `${JSON.stringify(cfg)}\n`;
  return { ...cfg, metadata: { ...cfg.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: annotation } } };
}

function conflictOf(fn: () => unknown): ConflictError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConflictError) return err;
    throw err;
  }
  return undefined;
}

// `kubectl apply` (client side) creates the object, then changes vcpus with a merge patch.
const csaCreated = write(undefined, clientSideApplied(baseSpec), 'kubectl-client-side-apply', T0);
const csa = write(csaCreated, clientSideApplied({ ...baseSpec, vcpus: 3 }), 'kubectl-client-side-apply', T1);

t.test('a client-side apply records an Update entry for the fields it wrote', async (t) => {
  t.same(managersOf(csa), ['kubectl-client-side-apply/Update']);
  const entry = entryOf(csa, 'kubectl-client-side-apply');
  t.equal(entry?.time, '2024-05-01T11:30:00Z', 'the second write moved the time');
  t.same(entry?.fieldsV1, {
    'f:metadata': {
      'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
      'f:labels': { '.': {}, 'f:app': {} },
    },
    'f:spec': {
      '.': {},
      'f:image': {},
      'f:memoryMiB': {},
      'f:networks': { '.': {}, 'k:{"networkRef":{"name":"web"}}': { '.': {}, 'f:networkRef': { '.': {}, 'f:name': {} } } },
      'f:providerRef': { '.': {}, 'f:name': {} },
      'f:vcpus': {},
    },
  });
});

t.test('a server-side apply then conflicts on fields the client-side apply set to other values', async (t) => {
  const err = conflictOf(() => serverSideApply({ live: csa, applied: instance({ ...baseSpec, vcpus: 4 }), manager: 'converge-gitops', force: false, now: T2 }));
  t.equal(err?.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using converge.io/v1alpha1: .spec.vcpus');
  t.same(err?.causes, [{ reason: 'FieldManagerConflict', field: '.spec.vcpus', message: 'conflict with "kubectl-client-side-apply" using converge.io/v1alpha1' }]);

  const same = serverSideApply({ live: csa, applied: instance({ ...baseSpec, vcpus: 3 }), manager: 'converge-gitops', force: false, now: T2 });
  t.same(same.object.spec, csa.spec, 'same values: no conflict, nothing changes but ownership');
  t.same(managersOf(same.object), ['converge-gitops/Apply', 'kubectl-client-side-apply/Update']);
});

t.test('kubectl --server-side takes over from client-side apply without --force-conflicts', async (t) => {
  const r = serverSideApply({ live: csa, applied: instance({ ...baseSpec, vcpus: 4 }, { labels: { app: 'web' } }), manager: 'kubectl', force: false, now: T2 });
  t.equal(r.object.spec?.['vcpus'], 4);
  t.notOk(JSON.stringify(entryOf(r.object, 'kubectl-client-side-apply')?.fieldsV1).includes('f:vcpus'));
  const annotation = r.object.metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '';
  t.match(JSON.parse(annotation), { spec: { vcpus: 4 } }, 'the last-applied annotation follows the new configuration');
  t.ok(annotation.endsWith('\n'));

  // Someone edited vcpus after the client-side apply: live no longer matches the annotation.
  const edited = write(csa, withSpec(csa, { vcpus: 8 }), 'kubectl-edit', T2);
  const err = conflictOf(() => serverSideApply({ live: edited, applied: instance({ ...baseSpec, vcpus: 4 }), manager: 'kubectl', force: false, now: T2 }));
  t.equal(err?.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using converge.io/v1alpha1: .spec.vcpus');
});

t.test('an object without managedFields attributes its fields to before-first-apply on the first apply', async (t) => {
  const untracked = stored(instance(baseSpec, { labels: { app: 'web' } }));
  const err = conflictOf(() => serverSideApply({ live: untracked, applied: instance({ vcpus: 4 }), manager: 'alice', force: false, now: T1 }));
  t.equal(err?.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using converge.io/v1alpha1: .spec.vcpus');

  const adopted = apply({ live: untracked, applied: instance({ vcpus: 2 }, { labels: { owner: 'alice' } }), manager: 'alice', now: T1 });
  t.same(managersOf(adopted), ['alice/Apply', 'before-first-apply/Update']);
  t.same(entryOf(adopted, 'alice')?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:owner': {} } }, 'f:spec': { 'f:vcpus': {} } });
  const bfa = JSON.stringify(entryOf(adopted, 'before-first-apply')?.fieldsV1);
  t.ok(bfa.includes('f:memoryMiB') && bfa.includes('f:app'), 'before-first-apply owns what was there');
  t.ok(bfa.includes('f:vcpus'), 'vcpus, applied unchanged, is shared with before-first-apply');

  const labelsOnly: KubeObject = { apiVersion: untracked.apiVersion, kind: 'Instance', metadata: { name: 'web-1', namespace: 'default', labels: { other: 'x' } } };
  const dropped = apply({ live: adopted, applied: labelsOnly, manager: 'alice', now: T2 });
  t.same(dropped.metadata.labels, { app: 'web', other: 'x' }, "alice's own label is pruned, before-first-apply's stays");
  t.equal(dropped.spec?.['vcpus'], 2, 'a shared field survives when one owner stops applying it');
  t.same(dropped.spec, baseSpec);
});

t.test('managedFields are ordered Apply first, then by time, then by manager', async (t) => {
  let obj = apply({ live: undefined, applied: instance(baseSpec), manager: 'zed', now: T1 });
  obj = write(obj, withSpec(obj, { memoryMiB: 4096 }), 'kubectl-edit', T0);
  obj = apply({ live: obj, applied: instance({}, { labels: { a: 'b' } }), manager: 'amy', now: T1 });
  obj = apply({ live: obj, applied: instance({}, { labels: { c: 'd' } }), manager: 'bea', now: T0 });
  obj = write(obj, { ...obj, status: { phase: 'Running' } }, 'instance-controller', T2, 'status');
  t.same(managersOf(obj), ['bea/Apply', 'amy/Apply', 'zed/Apply', 'kubectl-edit/Update', 'instance-controller/Update/status']);
});
