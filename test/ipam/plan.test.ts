import t from 'tap';
import { performance } from 'node:perf_hooks';
import { formatCidr, type IpFamily } from '../../schemas/cidr.js';
import type { AllocationPurpose } from '../../schemas/ipallocation.js';
import { InvalidError } from '../../src/errors/index.js';
import { isPoolExhausted, PoolExhaustedError } from '../../src/ipam/errors.js';
import { poolLayout } from '../../src/ipam/layout.js';
import { freeSpace, planAllocation, type PlannedAllocation } from '../../src/ipam/plan.js';
import type { AllocationRequest } from '../../src/ipam/request.js';
import { c } from './helpers.js';

interface Case {
  readonly name: string;
  readonly cidrs: string[];
  readonly reserved?: [string, string][];
  readonly existing?: (string | [string, AllocationPurpose])[];
  readonly avoid?: string[];
  readonly request: AllocationRequest;
  /** The allocated block, or the start of the error message. */
  readonly want?: string;
  readonly error?: string;
}

const within = (cidr: string, family?: IpFamily): AllocationRequest => ({ address: { within: c(cidr), ...(family ? { family } : {}) } });

const cases: Case[] = [
  // Prefixes, IPv4
  { name: 'first /24 of an empty pool', cidrs: ['10.0.0.0/16'], request: { prefixLength: 24 }, want: '10.0.0.0/24' },
  { name: 'the whole pool', cidrs: ['10.0.0.0/16'], request: { prefixLength: 16 }, want: '10.0.0.0/16' },
  { name: 'next to existing allocations', cidrs: ['10.0.0.0/16'], existing: ['10.0.0.0/24', '10.0.1.0/24'], request: { prefixLength: 24 }, want: '10.0.2.0/24' },
  { name: 'reserved range pushes the /24 out of the first block', cidrs: ['10.0.0.0/16'], reserved: [['10.0.0.1', '10.0.0.9']], request: { prefixLength: 24 }, want: '10.0.1.0/24' },
  { name: 'small requests fill the partly reserved block first (best fit)', cidrs: ['10.0.0.0/16'], reserved: [['10.0.0.1', '10.0.0.9']], request: { prefixLength: 28 }, want: '10.0.0.16/28' },
  { name: 'avoided observed network is skipped', cidrs: ['10.0.0.0/16'], avoid: ['10.0.0.0/23'], request: { prefixLength: 24 }, want: '10.0.2.0/24' },
  { name: 'avoided networks of the other family are ignored', cidrs: ['10.0.0.0/16'], avoid: ['fd00::/8'], request: { prefixLength: 24 }, want: '10.0.0.0/24' },
  {
    name: 'fragmentation: the /25 hole is used before a whole /24 is split',
    cidrs: ['10.0.0.0/22'],
    existing: ['10.0.0.0/25', '10.0.1.0/24'],
    request: { prefixLength: 25 },
    want: '10.0.0.128/25',
  },
  {
    name: 'best fit across pool prefixes: the small second prefix before the big first one',
    cidrs: ['10.0.0.0/16', '192.168.0.0/24'],
    request: { prefixLength: 24 },
    want: '192.168.0.0/24',
  },
  { name: 'alignment: a /23 skips an odd free /24', cidrs: ['10.0.0.0/21'], existing: ['10.0.0.0/24'], request: { prefixLength: 23 }, want: '10.0.2.0/23' },
  { name: 'pool prefixes too small for the request are skipped', cidrs: ['10.1.0.0/25', '10.0.0.0/16'], request: { prefixLength: 24 }, want: '10.0.0.0/24' },
  // Prefixes, IPv6 and family choice
  { name: 'IPv6 /64 out of a /48', cidrs: ['fd00:20::/48'], existing: ['fd00:20::/64'], request: { prefixLength: 64 }, want: 'fd00:20:0:1::/64' },
  { name: 'dual stack: /64 can only be IPv6', cidrs: ['10.0.0.0/16', 'fd00::/48'], request: { prefixLength: 64 }, want: 'fd00::/64' },
  { name: 'dual stack: /24 from the first family in spec order', cidrs: ['fd00::/16', '10.0.0.0/16'], request: { prefixLength: 24 }, want: 'fd00::/24' },
  { name: 'dual stack: explicit family', cidrs: ['fd00::/16', '10.0.0.0/16'], request: { prefixLength: 24, family: 4 }, want: '10.0.0.0/24' },
  { name: 'IPv6 reserved range', cidrs: ['fd00::/48'], reserved: [['fd00::', 'fd00::ffff']], request: { prefixLength: 64 }, want: 'fd00:0:0:1::/64' },
  // Invalid requests
  { name: 'shorter than the pool', cidrs: ['10.0.0.0/16'], request: { prefixLength: 8 }, error: 'spec.prefixLength: Invalid value: 8: pool "p" cannot hand out this length: it can hand out /16 to /32 from 10.0.0.0/16' },
  { name: 'longer than IPv4', cidrs: ['10.0.0.0/16'], request: { prefixLength: 64 }, error: 'spec.prefixLength: Invalid value: 64: pool "p" cannot hand out this length' },
  { name: 'family without prefixes', cidrs: ['10.0.0.0/16'], request: { prefixLength: 24, family: 6 }, error: 'spec.prefixLength: Invalid value: 24: pool "p" cannot hand out an IPv6 prefix of this length' },
  { name: 'not an integer', cidrs: ['10.0.0.0/16'], request: { prefixLength: 24.5 }, error: 'spec.prefixLength: Invalid value: 24.5' },
  // Exhaustion
  { name: 'exhausted by allocations', cidrs: ['10.0.0.0/23'], existing: ['10.0.0.0/24', '10.0.1.0/24'], request: { prefixLength: 24 }, error: 'pool "p" has no free /24 left (10.0.0.0/23: 2 of 2 /24 allocated)' },
  {
    name: 'exhausted by allocations, reservations and avoided networks, per prefix',
    cidrs: ['10.0.0.0/23', '10.9.0.0/24'],
    reserved: [['10.0.1.7', '10.0.1.7']],
    existing: ['10.0.0.0/25'],
    avoid: ['10.9.0.128/25'],
    request: { prefixLength: 24 },
    error: 'pool "p" has no free /24 left (10.0.0.0/23: 1 of 2 /24 allocated, 1 reserved or avoided; 10.9.0.0/24: 0 of 1 /24 allocated, 1 reserved or avoided)',
  },
  { name: 'IPv6 exhaustion counts /64s exactly', cidrs: ['fd00::/63'], existing: ['fd00::/64', 'fd00:0:0:1::/64'], request: { prefixLength: 64 }, error: 'pool "p" has no free /64 left (fd00::/63: 2 of 2 /64 allocated)' },
  // Addresses
  { name: 'address in a network: skips network and gateway', cidrs: ['10.0.0.0/16'], existing: [['10.0.1.0/24', 'network']], request: within('10.0.1.0/24'), want: '10.0.1.2/32' },
  {
    name: 'address: next free after other addresses',
    cidrs: ['10.0.0.0/16'],
    existing: [['10.0.1.0/24', 'network'], ['10.0.1.2/32', 'address'], ['10.0.1.3/32', 'address'], ['10.0.1.5/32', 'address']],
    request: within('10.0.1.0/24'),
    want: '10.0.1.4/32',
  },
  { name: 'address: a sub-network allocated inside the network blocks', cidrs: ['10.0.0.0/16'], existing: [['10.0.1.0/24', 'network'], ['10.0.1.0/25', 'network']], request: within('10.0.1.0/24'), want: '10.0.1.128/32' },
  { name: 'address: the avoided network itself does not block', cidrs: ['10.0.0.0/16'], avoid: ['10.0.1.0/24', '10.0.1.2/31'], request: within('10.0.1.0/24'), want: '10.0.1.4/32' },
  { name: 'address: /31 point-to-point, both usable', cidrs: ['10.0.0.0/16'], request: within('10.0.5.0/31'), want: '10.0.5.0/32' },
  { name: 'address: straight from a pool prefix', cidrs: ['192.168.7.0/24'], request: { address: {} }, want: '192.168.7.2/32' },
  { name: 'address: IPv6 skips anycast and gateway', cidrs: ['fd00::/48'], request: within('fd00:0:0:7::/64'), want: 'fd00:0:0:7::2/128' },
  { name: 'address: network wider than the pool is clipped to it', cidrs: ['10.0.1.128/25'], request: within('10.0.1.0/24'), want: '10.0.1.128/32' },
  { name: 'address: network outside the pool', cidrs: ['10.0.0.0/16'], request: within('10.9.0.0/24'), error: 'spec.networks: Invalid value: "10.9.0.0/24": network is outside pool "p" (10.0.0.0/16)' },
  { name: 'address: wrong family', cidrs: ['10.0.0.0/16'], request: { address: { family: 6 } }, error: 'spec.networks: Invalid value: "IPv6": pool "p" has no prefixes of this family' },
  {
    name: 'address: exhausted /30',
    cidrs: ['10.0.0.0/16'],
    existing: [['10.0.9.0/30', 'network'], ['10.0.9.2/32', 'address']],
    request: within('10.0.9.0/30'),
    error: 'pool "p" has no free address left in 10.0.9.0/30 (10.0.9.0/30: 1 of 4 addresses allocated, 3 reserved, avoided or unusable (network, gateway, broadcast))',
  },
];

t.test('planAllocation', async (t) => {
  for (const tc of cases) {
    const pool = poolLayout('p', { cidrs: tc.cidrs, reserved: (tc.reserved ?? []).map(([start, end]) => ({ start, end })) });
    const existing: PlannedAllocation[] = (tc.existing ?? []).map((e) => (typeof e === 'string' ? { cidr: c(e) } : { cidr: c(e[0]), purpose: e[1] }));
    const input = { pool, existing, avoid: (tc.avoid ?? []).map(c), request: tc.request };
    if (tc.error !== undefined) {
      try {
        planAllocation(input);
        t.fail(`${tc.name}: expected an error`);
      } catch (err) {
        t.ok(err instanceof InvalidError || err instanceof PoolExhaustedError, `${tc.name}: error class`);
        t.equal(String((err as Error).message).slice(0, tc.error.length), tc.error, tc.name);
      }
    } else {
      t.equal(formatCidr(planAllocation(input)), tc.want, tc.name);
    }
  }
});

t.test('errors are classified for controllers', async (t) => {
  const pool = poolLayout('lab', { cidrs: ['10.0.0.0/24'] });
  const full = { pool, existing: [{ cidr: c('10.0.0.0/24') }], request: { prefixLength: 24 } };
  t.throws(() => planAllocation(full), { name: 'PoolExhaustedError', code: 'ServiceUnavailable', pool: 'lab' });
  try {
    planAllocation(full);
  } catch (err) {
    t.ok(isPoolExhausted(err));
  }
  const invalid = { pool, existing: [], request: { prefixLength: 8 }, field: 'spec.networks[1].poolRef' };
  t.throws(() => planAllocation(invalid), { code: 'Invalid', causes: [{ field: 'spec.networks[1].poolRef', reason: 'FieldValueInvalid' }] });
});

t.test('deterministic: the same input gives the same block', async (t) => {
  const pool = poolLayout('p', { cidrs: ['10.0.0.0/16', 'fd00::/48'], reserved: [{ start: '10.0.0.1', end: '10.0.0.9' }] });
  const existing = ['10.0.7.0/24', '10.0.1.0/25', '10.0.4.0/22'].map((x) => ({ cidr: c(x) }));
  const once = formatCidr(planAllocation({ pool, existing, request: { prefixLength: 25 } }));
  const again = formatCidr(planAllocation({ pool, existing: [...existing].reverse(), request: { prefixLength: 25 } }));
  t.equal(once, '10.0.0.128/25', 'the /25 left in the partly reserved first /24');
  t.equal(again, once, 'the order of existing allocations does not matter');
});

t.test('planning over 10,000 existing allocations in a /8 (generous bound)', async (t) => {
  const pool = poolLayout('big', { cidrs: ['10.0.0.0/8'] });
  const existing: PlannedAllocation[] = [];
  for (let i = 0; i < 10_000; i++) existing.push({ cidr: { family: 4, network: 0x0a000000n + (BigInt(i) << 10n), prefixLength: 24 } });
  const started = performance.now();
  const space = freeSpace({ pool, existing, request: { prefixLength: 24 } });
  const block = space.tree.take(24);
  const ms = performance.now() - started;
  t.equal(block && formatCidr(block), '10.0.1.0/24', 'the first odd /24 hole (each allocation sits at the start of a /22)');
  t.ok(ms < 2000, `planning over 10,000 allocations took ${ms.toFixed(0)} ms (bound 2000 ms)`);
});
