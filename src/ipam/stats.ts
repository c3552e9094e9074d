/**
 * Utilisation of a pool: allocated addresses over allocatable addresses, per family, in BigInt until the
 * final division so that a /64 out of a /48 and a /24 out of a /8 are both reported exactly enough.
 */
import type { Cidr, IpFamily } from '../../schemas/cidr.js';
import type { PoolLayout } from './layout.js';
import { intersectRanges, mergeRanges, rangeOf, rangesSize, subtractRanges } from './ranges.js';

/** Usage of one address family of a pool. */
export interface FamilyUsage {
  readonly family: IpFamily;
  /** Addresses of the pool's prefixes minus reserved ranges. */
  readonly totalAddresses: bigint;
  /** Allocatable addresses covered by at least one allocation (addresses inside networks count once). */
  readonly allocatedAddresses: bigint;
  /** `allocatedAddresses / totalAddresses`, 0 to 1; 0 for an empty family. */
  readonly fraction: number;
}

/** Usage of a pool. */
export interface PoolUsage {
  /** Number of allocations given (whatever their family). */
  readonly allocations: number;
  /** One entry per family present in the pool, IPv4 first. */
  readonly families: readonly FamilyUsage[];
  /**
   * The highest per-family fraction: the family closest to exhaustion. One overall ratio would hide a full
   * IPv4 /24 behind a nearly empty IPv6 /48, whose 2^80 addresses dwarf it.
   */
  readonly fraction: number;
}

/** Bit length of a non-negative BigInt. */
function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/**
 * `numerator / denominator` as a float without converting values beyond 2^53 directly: both are shifted
 * right until the denominator fits a double's mantissa. 0 when the denominator is 0.
 */
export function ratio(numerator: bigint, denominator: bigint): number {
  if (denominator <= 0n) return 0;
  const shift = BigInt(Math.max(0, bitLength(denominator) - 53));
  return Number(numerator >> shift) / Number(denominator >> shift);
}

/** Usage of `pool` given its allocations (any family; parts outside the pool do not count). */
export function poolUsage(pool: PoolLayout, allocations: readonly Cidr[]): PoolUsage {
  const families = ([4, 6] as const)
    .filter((family) => pool.cidrs.some((c) => c.family === family))
    .map((family): FamilyUsage => {
      const space = subtractRanges(
        mergeRanges(pool.cidrs.filter((c) => c.family === family).map(rangeOf)),
        mergeRanges(pool.reserved.filter((r) => r.family === family)),
      );
      const used = intersectRanges(mergeRanges(allocations.filter((a) => a.family === family).map(rangeOf)), space);
      const totalAddresses = rangesSize(space);
      const allocatedAddresses = rangesSize(used);
      return { family, totalAddresses, allocatedAddresses, fraction: ratio(allocatedAddresses, totalAddresses) };
    });
  return {
    allocations: allocations.length,
    families,
    fraction: families.reduce((max, f) => Math.max(max, f.fraction), 0),
  };
}
