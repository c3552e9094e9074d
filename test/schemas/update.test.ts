import t from 'tap';
import { instanceType, networkType, poolType, volumeType } from '../../schemas/index.js';
import { checkImmutable, checkUpdate, validateSpec } from '../../schemas/validate.js';
import type { ResourceType } from '../../schemas/types.js';

function spec(type: ResourceType, input: unknown): unknown {
  const r = validateSpec(type, input);
  if (!r.ok) throw new Error(`test setup: ${JSON.stringify(r.causes)}`);
  return r.value;
}

const volume = { providerRef: { name: 'default' }, sizeGiB: 10 };

t.test('immutable fields', async (t) => {
  const cases: [string, ResourceType, unknown, unknown, string[]][] = [
    ['unchanged', volumeType, volume, volume, []],
    ['explicit default equals omitted default', volumeType, volume, { ...volume, format: 'qcow2', storagePool: 'default' }, []],
    ['growing is allowed', volumeType, volume, { ...volume, sizeGiB: 20 }, []],
    ['provider changed', volumeType, volume, { ...volume, providerRef: { name: 'other' } }, ['spec.providerRef']],
    ['format and pool changed', volumeType, volume, { ...volume, format: 'raw', storagePool: 'fast' }, ['spec.format', 'spec.storagePool']],
    ['source added', volumeType, volume, { ...volume, source: 'debian' }, ['spec.source']],
    ['instance image', instanceType, { providerRef: { name: 'default' }, image: 'a', vcpus: 1, memoryMiB: 1 }, { providerRef: { name: 'default' }, image: 'b', vcpus: 4, memoryMiB: 1 }, ['spec.image']],
    ['network cidr', networkType, { providerRef: { name: 'default' }, cidr: '10.0.0.0/24' }, { providerRef: { name: 'default' }, cidr: '10.0.1.0/24' }, ['spec.cidr']],
    ['network cidr rewritten in canonical form', networkType, { providerRef: { name: 'default' }, cidr: 'fd00::/64' }, { providerRef: { name: 'default' }, cidr: 'FD00:0::/64' }, []],
    ['pool has no immutable fields', poolType, { cidrs: ['10.0.0.0/8'] }, { cidrs: ['192.168.0.0/16'] }, []],
  ];
  for (const [name, type, before, after, fields] of cases) {
    const causes = checkImmutable(type, spec(type, before), spec(type, after));
    t.same(causes.map((c) => c.field), fields, name);
    for (const c of causes) {
      t.equal(c.reason, 'FieldValueInvalid');
      t.match(c.message, /field is immutable$/);
    }
  }
});

t.test('volumes can grow but not shrink', async (t) => {
  const causes = checkUpdate(volumeType, spec(volumeType, { ...volume, sizeGiB: 20 }), spec(volumeType, volume));
  t.same(causes.map((c) => c.field), ['spec.sizeGiB']);
  t.match(causes[0]?.message ?? '', /can grow but not shrink \(currently 20 GiB\)/);
  t.same(checkUpdate(volumeType, spec(volumeType, volume), spec(volumeType, { ...volume, sizeGiB: 11 })), []);
});
