import t from 'tap';
import { isSingleAddress } from '../../src/ipam/addresses.js';
import { poolLayout } from '../../src/ipam/layout.js';
import { describeBlock } from '../../src/ipam/plan.js';
import { allocationObject, olderThan, toAllocation, type Allocation } from '../../src/ipam/records.js';
import { c } from './helpers.js';

t.test('allocationObject and toAllocation round-trip', async (t) => {
  const obj = allocationObject({ namespace: 'default', pool: 'lab', cidr: '10.0.1.5/32', purpose: 'address', owner: { kind: 'Instance', name: 'vm', uid: 'u1' } });
  t.equal(obj.metadata.name, 'lab.10-0-1-5-32');
  const a = toAllocation({ ...obj, metadata: { ...obj.metadata, uid: 'x', resourceVersion: '7' } });
  t.match(a, { name: 'lab.10-0-1-5-32', pool: 'lab', cidrText: '10.0.1.5/32', purpose: 'address', owner: { uid: 'u1' }, resourceVersion: '7', terminating: false });
  t.equal(toAllocation({ ...obj, spec: { ...obj.spec, cidr: 'nonsense' } }), undefined, 'an invalid record is not an allocation');
});

t.test('toAllocation is memoised by content: the same record parses once, any difference parses anew', async (t) => {
  const obj = allocationObject({ namespace: 'default', pool: 'lab', cidr: '10.0.2.0/24', purpose: 'network', owner: { kind: 'Network', name: 'n', uid: 'u1' } });
  const stored = { ...obj, metadata: { ...obj.metadata, uid: 'x', resourceVersion: '7' } };
  const first = toAllocation(stored);
  t.equal(toAllocation(structuredClone(stored)), first, 'an equal record (a fresh object from another list) is the same parse');
  const cases = [
    { what: 'another spec under the same uid and resourceVersion', obj: { ...stored, spec: { ...stored.spec, cidr: '10.0.3.0/24' } }, want: { cidrText: '10.0.3.0/24' } },
    { what: 'a deletion mark', obj: { ...stored, metadata: { ...stored.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, want: { terminating: true } },
    { what: 'a later resourceVersion', obj: { ...stored, metadata: { ...stored.metadata, resourceVersion: '8' } }, want: { resourceVersion: '8' } },
  ];
  for (const c of cases) t.match(toAllocation(c.obj), c.want, c.what);
});

t.test('olderThan orders by creation revision and yields when it cannot tell', async (t) => {
  const at = (resourceVersion: string) => ({ resourceVersion }) as Allocation;
  const cases: [string, string, boolean][] = [
    ['9', '10', true],
    ['10', '9', false],
    ['10', '10', false],
    ['99999999999999999999', '100000000000000000000', true],
    ['opaque', '10', true],
    ['10', 'opaque', true],
  ];
  for (const [a, b, want] of cases) t.equal(olderThan(at(a), at(b)), want, `${a} < ${b}`);
});

t.test('poolLayout rejects a spec that bypassed validation, naming the field', async (t) => {
  t.throws(() => poolLayout('lab', { cidrs: ['10.0.0.0/16', '10.0.0.5/24'] }), { code: 'Invalid', causes: [{ field: 'spec.cidrs[1]' }] });
  t.throws(() => poolLayout('lab', { cidrs: ['10.0.0.0/16'], reserved: [{ start: '10.0.0.9', end: '10.0.0.1' }] }), {
    code: 'Invalid',
    causes: [{ field: 'spec.reserved[0].end' }],
  });
});

t.test('describeBlock shows single addresses without a length', async (t) => {
  t.equal(describeBlock(c('10.0.1.5/32')), '10.0.1.5');
  t.equal(describeBlock(c('fd00::5/128')), 'fd00::5');
  t.equal(describeBlock(c('10.0.1.0/24')), '10.0.1.0/24');
  t.ok(isSingleAddress(c('fd00::5/128')));
  t.notOk(isSingleAddress(c('10.0.0.0/31')));
});
