import t from 'tap';
import { instanceType, providerConfigType } from '../../schemas/index.js';
import { validateObject } from '../../schemas/validate-object.js';

const instance = {
  apiVersion: 'converge.io/v1alpha1',
  kind: 'Instance',
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { providerRef: { name: 'default' }, image: 'debian-12', vcpus: 1, memoryMiB: 512 },
};

t.test('a valid object comes back with its spec defaulted', async (t) => {
  const r = validateObject(instanceType, instance);
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.spec?.runStrategy, 'Always');
    t.same(r.value.metadata, instance.metadata);
    t.notOk('status' in r.value);
  }
});

t.test('every part of the object is checked', async (t) => {
  const r = validateObject(instanceType, {
    apiVersion: 'converge.io/v1',
    kind: 'Instanse',
    metadata: { name: 'Web 1' },
    spec: { ...instance.spec, vcpus: 0 },
    status: { powerState: 'On' },
    data: {},
  });
  t.notOk(r.ok);
  if (!r.ok) {
    t.same(
      r.causes.map((c) => c.field).sort(),
      ['apiVersion', 'data', 'kind', 'metadata.name', 'metadata.namespace', 'spec.vcpus', 'status.powerState'],
    );
    t.match(r.causes.find((c) => c.field === 'apiVersion')?.message ?? '', /Unsupported value: "converge.io\/v1": supported values: "converge.io\/v1alpha1"/);
  }
  const notObject = validateObject(instanceType, 'instance');
  t.ok(!notObject.ok && notObject.causes[0]?.reason === 'FieldValueTypeInvalid');
});

t.test('cluster-scoped kinds need no namespace', async (t) => {
  const r = validateObject(providerConfigType, { apiVersion: 'converge.io/v1alpha1', kind: 'ProviderConfig', metadata: { name: 'default' }, spec: { driver: 'sim' } });
  t.ok(r.ok);
});

t.test('Warn drops unknown fields everywhere and says so', async (t) => {
  const r = validateObject(instanceType, { ...instance, metadata: { ...instance.metadata, lables: {} }, spec: { ...instance.spec, cpu: 1 }, extra: 1 }, { unknownFields: 'Warn' });
  t.ok(r.ok);
  if (r.ok) {
    t.same([...r.warnings].sort(), ['unknown field "extra"', 'unknown field "metadata.lables"', 'unknown field "spec.cpu"']);
    t.notOk('lables' in r.value.metadata);
    t.notOk('extra' in r.value);
  }
});
