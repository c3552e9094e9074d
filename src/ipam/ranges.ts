/**
 * Interval arithmetic over addresses as BigInt: the free space of a pool is its prefixes minus reserved
 * ranges, avoided networks and allocations, and prefixes fall out of intervals again as aligned blocks.
 * Every function takes and returns ranges of one address family; callers filter by family first.
 */
import { bitsOf, cidrFirst, cidrLast, type Cidr, type IpFamily } from '../../schemas/cidr.js';

/** Inclusive range of addresses `[first, last]`, `first <= last`. */
export interface AddressRange {
  readonly first: bigint;
  readonly last: bigint;
}

/** The addresses of a prefix as a range. */
export function rangeOf(cidr: Cidr): AddressRange {
  return { first: cidrFirst(cidr), last: cidrLast(cidr) };
}

/**
 * Sorted, disjoint ranges covering the same addresses as `ranges`; touching ranges are joined, so the
 * result is the canonical form the other functions expect.
 */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: { first: bigint; last: bigint }[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top !== undefined && r.first <= top.last + 1n) {
      if (r.last > top.last) top.last = r.last;
    } else {
      out.push({ first: r.first, last: r.last });
    }
  }
  return out;
}

/** Addresses of `from` not in `remove`; both must be merged (see {@link mergeRanges}). Linear merge. */
export function subtractRanges(from: readonly AddressRange[], remove: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  let j = 0;
  for (const r of from) {
    let first = r.first;
    // Skip removals wholly before this range; they cannot affect later ranges either (both sorted).
    while (j < remove.length && (remove[j]?.last ?? 0n) < first) j++;
    let k = j;
    while (first <= r.last) {
      const cut = remove[k];
      if (cut === undefined || cut.first > r.last) {
        out.push({ first, last: r.last });
        break;
      }
      if (cut.first > first) out.push({ first, last: cut.first - 1n });
      if (cut.last >= r.last) break;
      first = cut.last + 1n;
      k++;
    }
  }
  return out;
}

/** Addresses in both `a` and `b`; both must be merged. */
export function intersectRanges(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === undefined || y === undefined) break;
    const first = x.first > y.first ? x.first : y.first;
    const last = x.last < y.last ? x.last : y.last;
    if (first <= last) out.push({ first, last });
    if (x.last < y.last) i++;
    else j++;
  }
  return out;
}

/** Number of addresses in merged `ranges`. */
export function rangesSize(ranges: readonly AddressRange[]): bigint {
  return ranges.reduce((sum, r) => sum + (r.last - r.first + 1n), 0n);
}

/** Number of trailing zero bits of `value`, capped at `max` (0 has `max`). */
function trailingZeros(value: bigint, max: number): number {
  let n = 0;
  while (n < max && ((value >> BigInt(n)) & 1n) === 0n) n++;
  return n;
}

/**
 * The fewest aligned prefixes covering exactly `range`. Each is a maximal aligned block of the range:
 * every aligned block inside the range lies inside one of them, which is what makes best fit over them exact.
 */
export function rangeToCidrs(range: AddressRange, family: IpFamily): Cidr[] {
  const bits = bitsOf(family);
  const out: Cidr[] = [];
  let first = range.first;
  while (first <= range.last) {
    let hostBits = trailingZeros(first, bits);
    while (first + (1n << BigInt(hostBits)) - 1n > range.last) hostBits--;
    out.push({ family, network: first, prefixLength: bits - hostBits });
    first += 1n << BigInt(hostBits);
  }
  return out;
}

/**
 * How many distinct aligned blocks of `2^hostBits` addresses the merged `ranges` touch: e.g. how many /24
 * slots of a pool are (partly) taken. BigInt throughout, so /64s of an IPv6 /48 count exactly.
 */
export function countTouchedBlocks(ranges: readonly AddressRange[], hostBits: number): bigint {
  const shift = BigInt(hostBits);
  let count = 0n;
  let lastCounted = -1n;
  for (const r of ranges) {
    let from = r.first >> shift;
    const to = r.last >> shift;
    // Neighbouring ranges may touch the same block; count it once.
    if (from <= lastCounted) from = lastCounted + 1n;
    if (from <= to) {
      count += to - from + 1n;
      lastCounted = to;
    }
  }
  return count;
}
