/**
 * isNoOpApply against live objects produced by the server's own apply engine: it may say "no-op" only when the
 * server would write nothing, and must say "send it" whenever a value, the owned field set, or ownership changed.
 */
import t from 'tap';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../../schemas/object.js';
import { serverSideApply } from '../../src/apiserver/ssa/index.js';
import { isNoOpApply } from '../../src/cli/apply-skip.js';

const MANAGER = 'converge';
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA a@host';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB b@host';

function instance(spec: JsonObject, labels: Record<string, string> = { app: 'web' }): KubeObject {
  return { apiVersion: 'converge.io/v1alpha1', kind: 'Instance', metadata: { name: 'web-1', namespace: 'default', labels }, spec };
}

const base: JsonObject = {
  providerRef: { name: 'default' },
  image: 'debian-12',
  vcpus: 2,
  memoryMiB: 2048,
  sshKeys: [KEY_A, KEY_B],
  networks: [{ networkRef: { name: 'web' }, address: '10.0.0.5' }, { networkRef: { name: 'db' } }],
};

/** Applies as `manager` (server metadata added on create, as the registry does) and returns the stored object. */
function applyAs(live: KubeObject | undefined, applied: KubeObject, manager: string, force = false): KubeObject {
  const { object } = serverSideApply({ live, applied, manager, force, now: new Date('2026-11-22T05:00:00Z') });
  if (live !== undefined) return object;
  return { ...object, metadata: { ...object.metadata, uid: 'u-1', resourceVersion: '1', generation: 1, creationTimestamp: '2026-11-22T05:00:00Z' } };
}

const first = applyAs(undefined, instance(base), MANAGER);
/** What the server's defaulting adds: fields the manifest never names. */
const defaulted: KubeObject = { ...first, spec: { ...first.spec, runStrategy: 'Always', pollInterval: '10m' } };

const controllerEntry: ManagedFieldsEntry = {
  manager: 'converge-controller',
  operation: 'Update',
  apiVersion: 'converge.io/v1alpha1',
  time: '2026-11-22T05:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:spec': { 'f:runStrategy': {} } },
};

interface Case {
  readonly name: string;
  readonly live: KubeObject | undefined;
  readonly manifest: KubeObject;
  readonly noOp: boolean;
}

const cases: Case[] = [
  { name: 'the same manifest again', live: first, manifest: instance(base), noOp: true },
  { name: 'live has server defaults the manifest does not name', live: defaulted, manifest: instance(base), noOp: true },
  { name: 'keys in another order inside maps', live: first, manifest: instance({ ...base, memoryMiB: 2048, image: 'debian-12' }), noOp: true },
  { name: 'the object does not exist', live: undefined, manifest: instance(base), noOp: false },
  { name: 'a changed scalar', live: first, manifest: instance({ ...base, vcpus: 4 }), noOp: false },
  { name: 'a changed label value', live: first, manifest: instance(base, { app: 'api' }), noOp: false },
  { name: 'a label removed', live: first, manifest: instance(base, {}), noOp: false },
  { name: 'a field removed', live: first, manifest: instance({ ...base, sshKeys: undefined as unknown as string[] }), noOp: false },
  { name: 'a set item removed', live: first, manifest: instance({ ...base, sshKeys: [KEY_A] }), noOp: false },
  { name: 'set items reordered (the server rewrites the order)', live: first, manifest: instance({ ...base, sshKeys: [KEY_B, KEY_A] }), noOp: false },
  {
    name: 'a field changed inside a keyed list item',
    live: first,
    manifest: instance({ ...base, networks: [{ networkRef: { name: 'web' }, address: '10.0.0.6' }, { networkRef: { name: 'db' } }] }),
    noOp: false,
  },
  {
    name: 'a keyed list item dropped',
    live: first,
    manifest: instance({ ...base, networks: [{ networkRef: { name: 'web' }, address: '10.0.0.5' }] }),
    noOp: false,
  },
  {
    name: 'a duplicate key the server rejects',
    live: first,
    manifest: instance({ ...base, networks: [{ networkRef: { name: 'web' }, address: '10.0.0.5' }, { networkRef: { name: 'web' }, address: '10.0.0.5' }, { networkRef: { name: 'db' } }] }),
    noOp: false,
  },
  { name: 'an explicit null', live: first, manifest: instance({ ...base, image: null }), noOp: false },
  {
    name: 'a resourceVersion precondition',
    live: first,
    manifest: { ...instance(base), metadata: { ...instance(base).metadata, resourceVersion: '1' } },
    noOp: false,
  },
  {
    name: 'another manager forced a different value',
    live: applyAs(first, { ...instance({ vcpus: 8 }), metadata: { name: 'web-1', namespace: 'default' } }, 'converge-gitops', true),
    manifest: instance(base),
    noOp: false,
  },
  {
    name: 'another manager also applies the same value (shared, no conflict)',
    live: applyAs(first, { ...instance({ vcpus: 2 }), metadata: { name: 'web-1', namespace: 'default' } }, 'converge-gitops'),
    manifest: instance(base),
    noOp: true,
  },
  {
    name: 'only another manager applied it',
    live: applyAs(undefined, instance(base), 'kubectl'),
    manifest: instance(base),
    noOp: false,
  },
  {
    name: 'the entry is in another apiVersion',
    live: { ...first, metadata: { ...first.metadata, managedFields: first.metadata.managedFields?.map((e) => ({ ...e, apiVersion: 'converge.io/v1alpha0' })) } },
    manifest: instance(base),
    noOp: false,
  },
  {
    // Only the engine sees this: the server would stamp a time, which is a write.
    name: 'the entry has no time',
    live: { ...first, metadata: { ...first.metadata, managedFields: first.metadata.managedFields?.map(({ time: _t, ...e }) => e) } },
    manifest: instance(base),
    noOp: false,
  },
  {
    name: 'another manager owns fields the manifest does not name',
    live: { ...defaulted, metadata: { ...defaulted.metadata, managedFields: [...(first.metadata.managedFields ?? []), controllerEntry] } },
    manifest: instance(base),
    noOp: true,
  },
  {
    name: 'managedFields out of the order the server writes',
    live: { ...defaulted, metadata: { ...defaulted.metadata, managedFields: [controllerEntry, ...(first.metadata.managedFields ?? [])] } },
    manifest: instance(base),
    noOp: false,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(isNoOpApply({ live: c.live, manifest: c.manifest, manager: MANAGER }), c.noOp);
    if (c.live !== undefined && c.noOp) {
      // The judgement is the server's: applying it there changes nothing, managedFields included.
      t.equal(serverSideApply({ live: c.live, applied: c.manifest, manager: MANAGER, force: false, now: new Date() }).changed, false);
    }
  });
}
