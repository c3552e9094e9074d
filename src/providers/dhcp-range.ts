/**
 * Where a network's DHCP hands out addresses, shared by the drivers so a simulated network behaves like a
 * libvirt one: the range the spec names, else the upper half of the prefix, so the lower half stays free for
 * fixed and Pool-allocated addresses (a Pool fills a network from the bottom, smallest first).
 */
import { cidrFirst, cidrLast, formatIp, type Cidr } from '../../schemas/cidr.js';
import type { JsonObject } from '../../schemas/object.js';

/** A DHCP range, inclusive. */
export interface DhcpRange {
  readonly start: string;
  readonly end: string;
}

/** The upper half of `cidr` (without the IPv4 broadcast address); from the third address on tiny prefixes. */
export function defaultDhcpRange(cidr: Cidr): DhcpRange {
  const first = cidrFirst(cidr);
  const last = cidrLast(cidr) - (cidr.family === 4 ? 1n : 0n);
  const half = first + (cidrLast(cidr) - first + 1n) / 2n;
  const start = half > first + 1n ? half : first + 2n;
  return { start: formatIp({ family: cidr.family, value: start }), end: formatIp({ family: cidr.family, value: last }) };
}

/** `value` as a DHCP range when it is an object with string `start` and `end`; undefined otherwise. */
export function dhcpRangeFrom(value: unknown): DhcpRange | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { start, end } = value as Record<string, unknown>;
  return typeof start === 'string' && typeof end === 'string' ? { start, end } : undefined;
}

/** Whether a Network spec serves DHCP (it does unless `dhcp.enabled` is false) and the range it names, if any. */
export function dhcpOf(spec: JsonObject): { enabled: boolean; range?: DhcpRange } {
  const dhcp = spec['dhcp'];
  if (dhcp === null || typeof dhcp !== 'object' || Array.isArray(dhcp)) return { enabled: true };
  const range = dhcpRangeFrom(dhcp['range']);
  return { enabled: dhcp['enabled'] !== false, ...(range !== undefined ? { range } : {}) };
}
