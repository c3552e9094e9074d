import t from 'tap';
import { performance } from 'node:perf_hooks';
import { cidrsOverlap, formatCidr, type Cidr } from '../../schemas/cidr.js';
import { FitStrategy, PrefixTree } from '../../src/ipam/prefix-tree.js';
import { findOverlaps } from '../../src/ipam/overlap.js';
import { rangeOf, subtractRanges } from '../../src/ipam/ranges.js';
import { c } from './helpers.js';

/** A tree over `pool` minus `used` (all IPv4 unless the pool is IPv6). */
function treeOf(pool: string, used: string[] = []): PrefixTree {
  const p = c(pool);
  return PrefixTree.fromFree(p.family, subtractRanges([rangeOf(p)], used.map((u) => rangeOf(c(u)))));
}

t.test('best fit takes the smallest free block that holds the request, lowest first', async (t) => {
  const cases: { name: string; pool: string; used: string[]; want: number; got: string[] }[] = [
    { name: 'empty pool: first block', pool: '10.0.0.0/16', used: [], want: 24, got: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'] },
    {
      name: 'a hole of exactly the size is filled before a larger one is split',
      pool: '10.0.0.0/22',
      used: ['10.0.0.0/24', '10.0.2.0/24'],
      want: 24,
      got: ['10.0.1.0/24', '10.0.3.0/24'],
    },
    {
      name: 'the smaller of two holes is split, keeping the /23 for a /23 request',
      pool: '10.0.0.0/22',
      used: ['10.0.0.0/25'],
      want: 25,
      got: ['10.0.0.128/25', '10.0.1.0/25'],
    },
    {
      name: 'blocks are aligned: a /24 never starts mid-way',
      pool: '10.0.0.0/22',
      used: ['10.0.0.0/25', '10.0.1.128/25'],
      want: 24,
      got: ['10.0.2.0/24', '10.0.3.0/24'],
    },
    {
      name: 'IPv6 /64s out of a /48',
      pool: 'fd00:1::/48',
      used: ['fd00:1::/64'],
      want: 64,
      got: ['fd00:1:0:1::/64', 'fd00:1:0:2::/64'],
    },
    {
      name: 'IPv6 best fit prefers the odd /64 hole to splitting a /63',
      pool: 'fd00:1::/62',
      used: ['fd00:1::/64', 'fd00:1:0:2::/64'],
      want: 64,
      got: ['fd00:1:0:1::/64', 'fd00:1:0:3::/64'],
    },
  ];
  for (const tc of cases) {
    const tree = treeOf(tc.pool, tc.used);
    t.same(tc.got.map(() => formatCidr(tree.take(tc.want) ?? c('0.0.0.0/0'))), tc.got, tc.name);
  }
});

t.test('lowest strategy takes the lowest free address, best fit the most isolated one', async (t) => {
  const lowest = treeOf('10.0.0.0/29', ['10.0.0.0/32', '10.0.0.1/32', '10.0.0.7/32']);
  t.same([1, 2, 3, 4, 5].map(() => lowest.take(32, FitStrategy.Lowest)).map((b) => b && formatCidr(b)), [
    '10.0.0.2/32',
    '10.0.0.3/32',
    '10.0.0.4/32',
    '10.0.0.5/32',
    '10.0.0.6/32',
  ]);
  t.equal(lowest.take(32, FitStrategy.Lowest), undefined, 'then nothing is left');
  const best = treeOf('10.0.0.0/29', ['10.0.0.0/32', '10.0.0.1/32', '10.0.0.7/32']);
  t.equal(formatCidr(best.take(32) ?? c('0.0.0.0/0')), '10.0.0.6/32', 'best fit takes the lone /32 before splitting the /30');
});

t.test('taking never hands out a block twice and accounts every address', async (t) => {
  const tree = treeOf('10.0.0.0/20', ['10.0.3.0/24']);
  t.equal(tree.freeAddresses(), 4096n - 256n);
  const taken: Cidr[] = [];
  for (const len of [22, 24, 26, 23, 28, 24, 32, 22]) {
    const block = tree.take(len);
    if (block !== undefined) taken.push(block);
  }
  t.same(findOverlaps([...taken, c('10.0.3.0/24')], (x) => x), [], 'no two blocks overlap');
  const used = taken.reduce((sum, b) => sum + (1n << BigInt(32 - b.prefixLength)), 0n);
  t.equal(tree.freeAddresses(), 4096n - 256n - used, 'free addresses drop by exactly what was taken');
  t.ok(tree.freeBlocks().every((f) => !taken.some((b) => cidrsOverlap(b, f))), 'no taken block is still listed free');
  t.throws(() => tree.take(33), RangeError, 'an IPv4 prefix cannot be longer than 32');
});

t.test('exhaustion: take returns undefined, smaller blocks may still fit', async (t) => {
  const tree = treeOf('10.0.0.0/23', ['10.0.0.0/25']);
  t.ok(tree.take(24));
  t.equal(tree.take(24), undefined, 'the remaining /25 cannot hold a /24');
  t.equal(formatCidr(tree.take(25) ?? c('0.0.0.0/0')), '10.0.0.128/25');
  t.same(tree.freeBlocks(), []);
});

t.test('10,000 allocations in a /8 (generous bound; measures the buddy tree, not the store)', async (t) => {
  const started = performance.now();
  const tree = treeOf('10.0.0.0/8', ['10.0.0.0/24', '10.128.0.0/16']);
  const sizes = [24, 26, 28, 30, 32, 22, 25];
  let taken = 0;
  for (let i = 0; i < 10_000; i++) if (tree.take(sizes[i % sizes.length] ?? 24)) taken++;
  const ms = performance.now() - started;
  t.equal(taken, 10_000);
  t.ok(ms < 2000, `10,000 allocations took ${ms.toFixed(0)} ms (bound 2000 ms)`);
});
