/**
 * Which addresses of a subnet are never handed to an instance interface. Decided here once so that the
 * allocator, the Network controller (gateway) and DHCP ranges agree:
 *
 * - IPv4 subnets of 4 or more addresses (/30 and shorter): the network address, the first usable address
 *   (the gateway, `.1` of a /24) and the broadcast address.
 * - IPv6 subnets of 4 or more addresses: the Subnet-Router anycast address (all host bits zero, RFC 4291
 *   §2.6.1) and the first address after it (the gateway). IPv6 has no broadcast, so the last is usable.
 * - Smaller subnets (IPv4 /31 and /32, RFC 3021; IPv6 /127 and /128, RFC 6164) are point-to-point or single
 *   hosts: every address is usable.
 */
import { bitsOf, cidrFirst, cidrLast, cidrSize, type Cidr } from '../../schemas/cidr.js';

/** Addresses of `subnet` that are not handed out to interfaces, ascending; see the module comment. */
export function unusableAddresses(subnet: Cidr): bigint[] {
  if (cidrSize(subnet) < 4n) return [];
  const first = cidrFirst(subnet);
  if (subnet.family === 4) return [first, first + 1n, cidrLast(subnet)];
  return [first, first + 1n];
}

/** The gateway address of `subnet` (its first usable address), or undefined for subnets too small for one. */
export function gatewayAddress(subnet: Cidr): bigint | undefined {
  return cidrSize(subnet) < 4n ? undefined : cidrFirst(subnet) + 1n;
}

/** True when `cidr` is a single address (a /32 or /128). */
export function isSingleAddress(cidr: Cidr): boolean {
  return cidr.prefixLength === bitsOf(cidr.family);
}
