import t from 'tap';
import { formatCidr } from '../../schemas/cidr.js';
import {
  countTouchedBlocks,
  intersectRanges,
  mergeRanges,
  rangesSize,
  rangeToCidrs,
  subtractRanges,
  type AddressRange,
} from '../../src/ipam/ranges.js';

const r = (first: number, last: number): AddressRange => ({ first: BigInt(first), last: BigInt(last) });
const show = (ranges: readonly AddressRange[]) => ranges.map((x) => `${x.first}-${x.last}`);

t.test('mergeRanges sorts, joins overlapping and touching ranges', async (t) => {
  const cases: [AddressRange[], string[]][] = [
    [[], []],
    [[r(5, 9), r(0, 3)], ['0-3', '5-9']],
    [[r(0, 3), r(4, 9)], ['0-9']],
    [[r(0, 10), r(2, 3), r(9, 12)], ['0-12']],
  ];
  for (const [input, want] of cases) t.same(show(mergeRanges(input)), want, show(input).join(','));
});

t.test('subtractRanges and intersectRanges', async (t) => {
  const cases: [AddressRange[], AddressRange[], string[], string[]][] = [
    // from, remove, from − remove, from ∩ remove
    [[r(0, 99)], [], ['0-99'], []],
    [[r(0, 99)], [r(0, 99)], [], ['0-99']],
    [[r(0, 99)], [r(10, 19), r(50, 50)], ['0-9', '20-49', '51-99'], ['10-19', '50-50']],
    [[r(0, 9), r(20, 29)], [r(5, 24)], ['0-4', '25-29'], ['5-9', '20-24']],
    [[r(10, 19)], [r(0, 5), r(25, 30)], ['10-19'], []],
    [[r(0, 9), r(20, 29), r(40, 49)], [r(0, 100)], [], ['0-9', '20-29', '40-49']],
  ];
  for (const [from, remove, minus, both] of cases) {
    const name = `${show(from)} / ${show(remove)}`;
    t.same(show(subtractRanges(from, remove)), minus, `minus ${name}`);
    t.same(show(intersectRanges(from, remove)), both, `and ${name}`);
  }
});

t.test('rangeToCidrs gives the maximal aligned blocks', async (t) => {
  const v4 = (a: number) => BigInt(a);
  const cases: [bigint, bigint, string[]][] = [
    [v4(0x0a000000), v4(0x0a0000ff), ['10.0.0.0/24']],
    [v4(0x0a000001), v4(0x0a0000fe), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32/27', '10.0.0.64/26', '10.0.0.128/26', '10.0.0.192/27', '10.0.0.224/28', '10.0.0.240/29', '10.0.0.248/30', '10.0.0.252/31', '10.0.0.254/32']],
    [0n, 0xffffffffn, ['0.0.0.0/0']],
    [v4(0x0a000040), v4(0x0a0000ff), ['10.0.0.64/26', '10.0.0.128/25']],
  ];
  for (const [first, last, want] of cases) t.same(rangeToCidrs({ first, last }, 4).map(formatCidr), want, want.join(' '));
  t.same(rangeToCidrs({ first: 0n, last: (1n << 128n) - 1n }, 6).map(formatCidr), ['::/0'], 'all of IPv6');
});

t.test('rangesSize and countTouchedBlocks', async (t) => {
  t.equal(rangesSize([r(0, 9), r(20, 20)]), 11n);
  // blocks of 4: [0-3] [4-7] [8-11] …
  t.equal(countTouchedBlocks([r(0, 0)], 2), 1n);
  t.equal(countTouchedBlocks([r(3, 4)], 2), 2n, 'a range across a boundary touches two blocks');
  t.equal(countTouchedBlocks([r(0, 1), r(2, 2), r(3, 5)], 2), 2n, 'ranges sharing a block count it once');
  t.equal(countTouchedBlocks([r(0, 15)], 0), 16n);
  t.equal(countTouchedBlocks([{ first: 0n, last: (1n << 80n) - 1n }], 64), 65536n, 'the /64s of a /48, exactly');
});
