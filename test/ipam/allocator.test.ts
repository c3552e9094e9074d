import t from 'tap';
import { cidrContains } from '../../src/ipam/overlap.js';
import { formatCidr } from '../../schemas/cidr.js';
import { ipAllocationType } from '../../schemas/ipallocation.js';
import type { ApiClient } from '../../src/client/types.js';
import { ConflictError } from '../../src/errors/index.js';
import { allocate, listPoolAllocations, release } from '../../src/ipam/allocator.js';
import { PoolExhaustedError } from '../../src/ipam/errors.js';
import { findOverlaps } from '../../src/ipam/overlap.js';
import type { AllocationOwner } from '../../src/ipam/records.js';
import { c, clientOf, createPool, gateCreates, openStore } from './helpers.js';

const network = (i: number | string): AllocationOwner => ({ kind: 'Network', name: `net-${i}`, uid: `uid-net-${i}` });
const instance = (i: number | string): AllocationOwner => ({ kind: 'Instance', name: `vm-${i}`, uid: `uid-vm-${i}` });

t.test('allocate records an IPAllocation, is idempotent per owner, release frees the range', async (t) => {
  const client = clientOf(await openStore(t));
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/16'], reserved: [{ start: '10.0.0.1', end: '10.0.0.9' }] });
  const first = await allocate({ client, pool, owner: network(1), prefixLength: 24 });
  t.equal(first.created, true);
  t.equal(formatCidr(first.allocation.cidr), '10.0.1.0/24', 'the first /24 not touching the reserved range');
  const stored = await client.get(ipAllocationType, 'default', 'lab.10-0-1-0-24');
  t.match(stored, {
    spec: { poolRef: { name: 'lab' }, cidr: '10.0.1.0/24', owner: { kind: 'Network', name: 'net-1', uid: 'uid-net-1' }, purpose: 'network' },
    metadata: { ownerReferences: [{ apiVersion: 'converge.io/v1alpha1', kind: 'Network', name: 'net-1', uid: 'uid-net-1' }] },
  });
  t.match(stored.metadata.managedFields, [{ manager: 'converge-ipam' }]);

  const again = await allocate({ client, pool, owner: network(1), prefixLength: 24 });
  t.same([again.created, again.allocation.name], [false, first.allocation.name], 'the owner keeps its allocation');
  const second = await allocate({ client, pool, owner: network(2), prefixLength: 24 });
  t.equal(second.allocation.cidrText, '10.0.2.0/24');

  const released = await release({ client, pool, owner: { uid: 'uid-net-1' } });
  t.same(released.map((a) => a.cidrText), ['10.0.1.0/24']);
  t.same(await release({ client, pool, owner: { uid: 'uid-net-1' } }), [], 'releasing twice is fine');
  const third = await allocate({ client, pool, owner: network(3), prefixLength: 24 });
  t.equal(third.allocation.cidrText, '10.0.1.0/24', 'a released range is handed out again');
  t.same((await listPoolAllocations(client, pool)).map((a) => a.owner.name).sort(), ['net-2', 'net-3']);
});

t.test('addresses inside a network allocated from the same pool', async (t) => {
  const client = clientOf(await openStore(t));
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/16', 'fd00:20::/48'] });
  const net = await allocate({ client, pool, owner: network('a'), prefixLength: 24 });
  const within = net.allocation.cidrText;
  const a = await allocate({ client, pool, owner: instance(1), address: { within } });
  const b = await allocate({ client, pool, owner: instance(2), address: { within } });
  t.same([a.allocation.cidrText, b.allocation.cidrText], ['10.0.0.2/32', '10.0.0.3/32'], 'network and gateway skipped');
  t.equal(a.allocation.name, 'lab.10-0-0-2-32');
  t.equal(a.allocation.purpose, 'address');
  const again = await allocate({ client, pool, owner: instance(1), address: { within } });
  t.equal(again.allocation.cidrText, '10.0.0.2/32', 'idempotent per owner');
  const v6net = await allocate({ client, pool, owner: network('b'), prefixLength: 64 });
  t.equal(v6net.allocation.cidrText, 'fd00:20::/64');
  const v6 = await allocate({ client, pool, owner: instance(1), address: { within: v6net.allocation.cidrText } });
  t.equal(v6.allocation.cidrText, 'fd00:20::2/128', 'the same instance gets an address on its second network');
  t.equal(v6.created, true);
  const next = await allocate({ client, pool, owner: network('c'), prefixLength: 24 });
  t.equal(next.allocation.cidrText, '10.0.1.0/24', 'addresses inside a network do not disturb prefix allocation');
  t.equal((await release({ client, pool, owner: instance(1), cidr: 'fd00:20::2/128' })).length, 1, 'release one allocation by prefix');
  t.same((await listPoolAllocations(client, pool)).filter((x) => x.owner.uid === instance(1).uid).map((x) => x.cidrText), ['10.0.0.2/32']);
});

t.test('clear errors: impossible requests name the field, exhaustion says what is used', async (t) => {
  const client = clientOf(await openStore(t));
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/23'] });
  await t.rejects(allocate({ client, pool, owner: network(1), prefixLength: 16 }), {
    name: 'InvalidError',
    message: 'spec.prefixLength: Invalid value: 16: pool "lab" cannot hand out this length: it can hand out /23 to /32 from 10.0.0.0/23',
    causes: [{ field: 'spec.prefixLength' }],
  });
  await allocate({ client, pool, owner: network(1), prefixLength: 24 });
  await allocate({ client, pool, owner: network(2), prefixLength: 24 });
  await t.rejects(allocate({ client, pool, owner: network(3), prefixLength: 24 }), {
    name: 'PoolExhaustedError',
    message: 'pool "lab" has no free /24 left (10.0.0.0/23: 2 of 2 /24 allocated)',
  });
  await t.rejects(allocate({ client, pool, owner: network(3), prefixLength: 24, avoid: ['nonsense'] }), { code: 'BadRequest' });
});

t.test('20 concurrent /24 allocations from a /20: 16 distinct ranges, 4 exhaustion errors', async (t) => {
  const client = clientOf(await openStore(t));
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/20'] });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => allocate({ client, pool, owner: network(i), prefixLength: 24 })),
  );
  const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.allocation] : []));
  const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  t.equal(won.length, 16);
  t.equal(new Set(won.map((a) => a.cidrText)).size, 16, 'distinct');
  t.same(findOverlaps(won, (a) => a.cidr), [], 'non-overlapping');
  t.ok(won.every((a) => a.cidr.prefixLength === 24 && cidrContains(c('10.0.0.0/20'), a.cidr)), 'all /24s of the pool');
  t.equal(lost.length, 4);
  for (const err of lost) {
    t.ok(err instanceof PoolExhaustedError, 'an exhaustion error');
    t.equal((err as Error).message, 'pool "lab" has no free /24 left (10.0.0.0/20: 16 of 16 /24 allocated)');
  }
  const stored = await listPoolAllocations(client, pool);
  t.same(stored.map((a) => a.owner.uid).sort(), won.map((a) => a.owner.uid).sort(), 'the store holds exactly the winners');
});

t.test('two allocators with separate clients on one store never hand out overlapping ranges', async (t) => {
  const backend = await openStore(t);
  const one = clientOf(backend);
  const two = clientOf(backend);
  const pool = await createPool(one, 'lab', { cidrs: ['10.0.0.0/20', 'fd00::/60'] });
  // Per client 1,392 IPv4 addresses and five /64s: both clients together fit, so every call must succeed.
  const sizes = [24, 23, 25, 26, 24, 28, 25, 27, 64, 62];
  const calls = sizes.flatMap((prefixLength, i) => [
    allocate({ client: one, pool, owner: network(`one-${i}`), prefixLength }),
    allocate({ client: two, pool, owner: network(`two-${i}`), prefixLength }),
  ]);
  const results = await Promise.allSettled(calls);
  const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.allocation] : []));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  t.same(failures, [], 'no call failed');
  t.equal(won.length, 20);
  t.same(findOverlaps(won, (a) => a.cidr).map(([a, b]) => `${a.cidrText} ${b.cidrText}`), [], 'no overlaps among returned ranges');
  const stored = await listPoolAllocations(one, pool);
  t.same(stored.map((a) => a.name).sort(), won.map((a) => a.name).sort(), 'every kept allocation was returned to exactly one caller');
});

t.test('a race between different sizes: the younger overlapping allocation yields', async (t) => {
  const backend = await openStore(t);
  const gate = { parties: 2, waiting: [] as (() => void)[] };
  const one = gateCreates(clientOf(backend), gate);
  const two = gateCreates(clientOf(backend), gate);
  const pool = await createPool(one, 'lab', { cidrs: ['10.0.0.0/22'] });
  // Both plan from the same empty view: 10.0.0.0/23 and 10.0.0.0/24, different names, both creates succeed.
  const [big, small] = await Promise.all([
    allocate({ client: one, pool, owner: network('big'), prefixLength: 23 }),
    allocate({ client: two, pool, owner: network('small'), prefixLength: 24 }),
  ]);
  t.same(findOverlaps([big.allocation, small.allocation], (a) => a.cidr), [], 'the survivors do not overlap');
  t.same([big.created, small.created], [true, true]);
  const stored = await listPoolAllocations(one, pool);
  t.same(stored.map((a) => a.cidrText).sort(), [big.allocation.cidrText, small.allocation.cidrText].sort(), 'the yielded one was deleted');
  t.ok(['10.0.0.0/23', '10.0.0.0/24'].includes(stored.map((a) => a.cidrText).sort()[0] ?? ''), 'the older one kept the first block');
});

t.test('a race of two calls for the same owner leaves one allocation', async (t) => {
  const backend = await openStore(t);
  const gate = { parties: 2, waiting: [] as (() => void)[] };
  const one = gateCreates(clientOf(backend), gate);
  const two = gateCreates(clientOf(backend), gate);
  const pool = await createPool(one, 'lab', { cidrs: ['10.0.0.0/22', 'fd00::/48'] });
  // One call asks with the default family order, the other excludes the first block: different names.
  await allocate({ client: clientOf(backend), pool, owner: network('other'), prefixLength: 24 });
  const [a, b] = await Promise.all([
    allocate({ client: one, pool, owner: network('same'), prefixLength: 24 }),
    allocate({ client: two, pool, owner: network('same'), prefixLength: 24, avoid: ['10.0.1.0/24'] }),
  ]);
  t.equal(a.allocation.name, b.allocation.name, 'both callers get the same allocation');
  t.same((await listPoolAllocations(one, pool)).filter((x) => x.owner.uid === network('same').uid).length, 1);
});

t.test('lost races are bounded: a ConflictError after maxAttempts', async (t) => {
  const backend = await openStore(t);
  const gate = { parties: 2, waiting: [] as (() => void)[] };
  const one = gateCreates(clientOf(backend), gate);
  const two = gateCreates(clientOf(backend), gate);
  const pool = await createPool(one, 'lab', { cidrs: ['10.0.0.0/22'] });
  const results = await Promise.allSettled([
    allocate({ client: one, pool, owner: network(1), prefixLength: 24, maxAttempts: 1 }),
    allocate({ client: two, pool, owner: network(2), prefixLength: 24, maxAttempts: 1 }),
  ]);
  const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  t.equal(rejected.length, 1, 'same name: exactly one create wins');
  t.ok(rejected[0] instanceof ConflictError);
  t.match((rejected[0] as Error).message, /pool "lab" lost 1 races/);
});

t.test('the IPAllocation kind: write-once spec, single addresses for address purpose', async (t) => {
  const client = clientOf(await openStore(t));
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/16'] });
  const made = await allocate({ client, pool, owner: network(1), prefixLength: 24 });
  const obj = await client.get(ipAllocationType, 'default', made.allocation.name);
  await t.rejects(client.update(ipAllocationType, { ...obj, spec: { ...obj.spec, cidr: '10.0.9.0/24' } }), {
    name: 'InvalidError',
    causes: [{ field: 'spec.cidr' }],
  });
  const bad = {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'IPAllocation',
    metadata: { name: 'lab.10-0-9-0-24', namespace: 'default' },
    spec: { poolRef: { name: 'lab' }, cidr: '10.0.9.0/24', owner: { kind: 'Instance', name: 'vm', uid: 'u' }, purpose: 'address' },
  };
  await t.rejects(client.create(ipAllocationType, bad), { name: 'InvalidError', causes: [{ field: 'spec.cidr' }] });
  await client.create(ipAllocationType, { ...bad, spec: { ...bad.spec, purpose: 'network' } });
  await t.rejects(client.create(ipAllocationType, { ...bad, spec: { ...bad.spec, purpose: 'network' } }), { code: 'AlreadyExists' }, 'the name is the lock');
});

t.test('hints: an owner holding its range is confirmed with one GET, a wrong or foreign hint falls back to the list', async (t) => {
  const inner = clientOf(await openStore(t));
  const calls = { list: 0, get: 0 };
  const client: ApiClient = {
    ...inner,
    get: (...a) => (calls.get++, inner.get(...a)),
    list: (...a) => (calls.list++, inner.list(...a)),
    watch: (...a) => inner.watch(...a),
    create: (...a) => inner.create(...a),
    update: (...a) => inner.update(...a),
    patch: (...a) => inner.patch(...a),
    delete: (...a) => inner.delete(...a),
  };
  const pool = await createPool(client, 'lab', { cidrs: ['10.0.0.0/16'] });
  const first = await allocate({ client, pool, owner: network(1), prefixLength: 24 });
  await allocate({ client, pool, owner: network(2), prefixLength: 24 });
  const cases = [
    { hints: [first.allocation.cidrText], lists: 0, why: 'its own prefix: no list' },
    { hints: ['10.0.1.0/24'], lists: 1, why: "another owner's prefix is not taken as held" },
    { hints: ['10.0.0.0/25', 'not a cidr'], lists: 1, why: 'a prefix of another size (or garbage) is not held' },
  ];
  for (const c of cases) {
    calls.list = 0;
    const again = await allocate({ client, pool, owner: network(1), prefixLength: 24, hints: c.hints });
    t.equal(again.allocation.name, first.allocation.name, c.why);
    t.equal(again.created, false);
    t.equal(calls.list, c.lists, `${c.why}: ${c.lists} list(s)`);
  }
});
