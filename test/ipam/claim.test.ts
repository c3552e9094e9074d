import t from 'tap';
import { ConflictError } from '../../src/errors/index.js';
import { allocate, listPoolAllocations } from '../../src/ipam/allocator.js';
import { claimPrefix, listClaims, releaseClaims } from '../../src/ipam/claim.js';
import { findOverlaps } from '../../src/ipam/overlap.js';
import { assertClaimedFromParent } from '../../src/ipam/parent.js';
import type { AllocationOwner } from '../../src/ipam/records.js';
import { clientOf, createPool, gateCreates, openStore } from './helpers.js';

const child = (name: string): AllocationOwner => ({ kind: 'Pool', name, uid: `uid-pool-${name}` });
const network = (name: string): AllocationOwner => ({ kind: 'Network', name, uid: `uid-net-${name}` });

t.test('claimPrefix: idempotent per child, and each way it can be blocked names the parent, prefix and holder', async (t) => {
  const client = clientOf(await openStore(t));
  const parent = await createPool(client, 'site', { cidrs: ['10.0.0.0/16', 'fd00::/48'], reserved: [{ start: '10.0.255.0', end: '10.0.255.9' }] });
  const first = await claimPrefix({ client, parent, owner: child('rack'), cidr: '10.0.0.0/20' });
  t.match(first, { created: true, claimed: { cidrText: '10.0.0.0/20', purpose: 'pool', owner: { kind: 'Pool', name: 'rack' } } });
  t.match(await claimPrefix({ client, parent, owner: child('rack'), cidr: '10.0.0.0/20' }), { created: false }, 'claiming again returns the claim');
  const web = await allocate({ client, pool: parent, owner: network('web'), prefixLength: 24 });
  t.equal(web.allocation.cidrText, '10.0.254.0/24', 'best fit: the /24 below the reserved range');
  const cases = [
    { cidr: '10.0.8.0/21', reason: 'ParentConflict', message: '10.0.8.0/21 overlaps Pool "rack" (10.0.0.0/20) in parent pool "site"' },
    { cidr: '10.0.0.0/15', reason: 'NotInParent', message: '10.0.0.0/15 is not inside parent pool "site" (10.0.0.0/16, fd00::/48)' },
    { cidr: '10.0.254.128/25', reason: 'ParentConflict', message: '10.0.254.128/25 overlaps Network "web" (10.0.254.0/24) in parent pool "site"' },
    { cidr: '10.0.255.0/28', reason: 'ParentConflict', message: '10.0.255.0/28 overlaps the reserved range 10.0.255.0-10.0.255.9 of parent pool "site"' },
    { cidr: 'fd01::/64', reason: 'NotInParent', message: 'fd01::/64 is not inside parent pool "site" (10.0.0.0/16, fd00::/48)' },
  ];
  for (const c of cases) {
    t.same(await claimPrefix({ client, parent, owner: child('other'), cidr: c.cidr }), { blocked: { reason: c.reason, message: c.message } }, c.cidr);
  }
  t.match(await claimPrefix({ client, parent, owner: child('other'), cidr: 'fd00:0:0:1::/64' }), { created: true }, 'IPv6 claims work the same');
  t.equal((await listPoolAllocations(client, parent)).length, 3, 'blocked claims left nothing behind');
});

t.test('a claim racing a Network of another size and a sibling of another size: the older allocation wins each time', async (t) => {
  for (const rival of ['network', 'sibling'] as const) {
    const backend = await openStore(t);
    const gate = { parties: 2, waiting: [] as (() => void)[] };
    const one = gateCreates(clientOf(backend), gate);
    const two = gateCreates(clientOf(backend), gate);
    const parent = await createPool(clientOf(backend), 'site', { cidrs: ['10.0.0.0/22'] });
    // Both create before either checks: a /23 claim and a /24 (lowest) that overlaps it.
    const [claim, other] = await Promise.allSettled([
      claimPrefix({ client: one, parent, owner: child('rack'), cidr: '10.0.0.0/23' }),
      rival === 'network'
        ? allocate({ client: two, pool: parent, owner: network('web'), prefixLength: 24 })
        : claimPrefix({ client: two, parent, owner: child('sibling'), cidr: '10.0.0.0/24' }),
    ]);
    const left = await listPoolAllocations(clientOf(backend), parent);
    t.same(findOverlaps(left, (a) => a.cidr), [], `${rival}: no two allocations overlap`);
    if (claim.status !== 'fulfilled' || other.status !== 'fulfilled') throw new Error(`${rival}: a call failed`);
    const claimed = 'claimed' in claim.value;
    t.equal(left.some((a) => a.owner.name === 'rack'), claimed, `${rival}: the claim exists exactly when it was reported claimed`);
    if (rival === 'network') t.ok(left.some((a) => a.owner.name === 'web'), 'the Network always gets a range (it re-plans around the claim)');
    else t.equal(left.length, 1, 'of the two sibling claims exactly one stands');
  }
});

t.test('releaseClaims keeps what the spec still names and releases the rest; lost races are bounded', async (t) => {
  const backend = await openStore(t);
  const client = clientOf(backend);
  const parent = await createPool(client, 'site', { cidrs: ['10.0.0.0/16'] });
  const other = await createPool(client, 'other', { cidrs: ['10.1.0.0/16'] });
  for (const cidr of ['10.0.0.0/24', '10.0.1.0/24']) await claimPrefix({ client, parent, owner: child('rack'), cidr });
  await claimPrefix({ client, parent: other, owner: child('rack'), cidr: '10.1.0.0/24' });
  const released = await releaseClaims({ client, namespace: 'default', owner: child('rack'), keep: { parent: 'site', cidrs: ['10.0.1.0/24'] } });
  t.same(released.map((a) => `${a.pool} ${a.cidrText}`).sort(), ['other 10.1.0.0/24', 'site 10.0.0.0/24']);
  t.same((await listClaims(client, 'default', child('rack'))).map((a) => a.cidrText), ['10.0.1.0/24']);
  t.same(await releaseClaims({ client, namespace: 'default', owner: child('rack'), keep: { parent: 'site', cidrs: ['10.0.1.0/24'] } }), [], 'idempotent');

  const gate = { parties: 2, waiting: [] as (() => void)[] };
  const results = await Promise.allSettled([
    claimPrefix({ client: gateCreates(client, gate), parent, owner: child('a'), cidr: '10.0.8.0/24', maxAttempts: 1 }),
    claimPrefix({ client: gateCreates(client, gate), parent, owner: child('b'), cidr: '10.0.8.0/24', maxAttempts: 1 }),
  ]);
  const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  t.equal(rejected.length, 1, 'same prefix, same name: one create wins, the other gives up after one attempt');
  t.ok(rejected[0] instanceof ConflictError);
});

t.test('assertClaimedFromParent: a child hands out nothing until Ready=True for its current generation', async (t) => {
  const client = clientOf(await openStore(t));
  const root = await createPool(client, 'site', { cidrs: ['10.0.0.0/16'] });
  t.doesNotThrow(() => assertClaimedFromParent(root), 'a root pool is never gated');
  const rack = await createPool(client, 'rack', { cidrs: ['10.0.0.0/20'], parentRef: { name: 'site' } });
  const ready = (status: string, observedGeneration: number, message?: string) => ({
    ...rack,
    metadata: { ...rack.metadata, generation: 2 },
    status: { conditions: [{ type: 'Ready', status, reason: 'R', observedGeneration, ...(message ? { message } : {}) }] },
  });
  const cases = [
    { pool: rack, throws: /pool "rack" hands out nothing until its cidrs are claimed from parent pool "site"$/, why: 'no status yet' },
    { pool: ready('False', 2, 'blocked by x'), throws: /parent pool "site": blocked by x$/, why: 'Ready=False carries its message' },
    { pool: ready('True', 1), throws: /claimed from parent pool "site"$/, why: 'Ready=True of an older generation' },
    { pool: ready('True', 2), throws: undefined, why: 'claimed' },
  ];
  for (const c of cases) {
    if (c.throws === undefined) t.doesNotThrow(() => assertClaimedFromParent(c.pool), c.why);
    else t.throws(() => assertClaimedFromParent(c.pool), { name: 'UnavailableError', message: c.throws }, c.why);
  }
  await t.rejects(allocate({ client, pool: rack, owner: network('n'), prefixLength: 24 }), { name: 'UnavailableError' }, 'allocate applies the gate');
});
