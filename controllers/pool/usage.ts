/** Pool utilisation for people: `IPv4 3 of 256 /24s (1.2%)`, per family, in the unit the pool hands out. */
import type { Cidr, IpFamily } from '../../schemas/cidr.js';
import type { FamilyUsage, PoolUsage } from '../../src/ipam/index.js';

const BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };
/** Unit when a family has no allocation yet: the usual subnet size. */
const DEFAULT_UNIT: Readonly<Record<IpFamily, number>> = { 4: 24, 6: 64 };

/**
 * The block size a family is counted in: the most common prefix length among its allocations (ties: the
 * larger block), else /24 or /64, never larger than the pool's own largest prefix.
 */
export function unitPrefix(family: IpFamily, poolCidrs: readonly Cidr[], allocations: readonly Cidr[]): number {
  const counts = new Map<number, number>();
  for (const a of allocations) if (a.family === family) counts.set(a.prefixLength, (counts.get(a.prefixLength) ?? 0) + 1);
  let unit = DEFAULT_UNIT[family];
  let best = 0;
  for (const [prefix, n] of [...counts].sort((x, y) => x[0] - y[0])) {
    if (n > best) {
      best = n;
      unit = prefix;
    }
  }
  const widest = Math.min(...poolCidrs.filter((c) => c.family === family).map((c) => c.prefixLength));
  return Math.max(unit, widest);
}

function familyText(usage: FamilyUsage, unit: number): string {
  const block = 1n << BigInt(BITS[usage.family] - unit);
  const total = usage.totalAddresses / block;
  const used = (usage.allocatedAddresses + block - 1n) / block;
  const percent = Math.round(usage.fraction * 1000) / 10;
  return `IPv${usage.family} ${used} of ${total} /${unit}s (${percent}%)`;
}

/** `IPv4 3 of 256 /24s (1.2%); IPv6 1 of 65536 /64s (0%)`: one part per family of the pool. */
export function utilisationText(usage: PoolUsage, poolCidrs: readonly Cidr[], allocations: readonly Cidr[]): string {
  return usage.families.map((f) => familyText(f, unitPrefix(f.family, poolCidrs, allocations))).join('; ');
}

/** `usage.fraction` as the schema's `utilisationPercent` (0–100, two decimals). */
export function utilisationPercent(usage: PoolUsage): number {
  return Math.round(usage.fraction * 10000) / 100;
}
