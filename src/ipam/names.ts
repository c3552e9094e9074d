/**
 * Deterministic IPAllocation names. The name is the lock: every allocator derives the same name for the
 * same pool and prefix, so create-if-absent lets exactly one of two racing allocators have the range.
 */
import { createHash } from 'node:crypto';
import { formatCidr, type Cidr } from '../../schemas/cidr.js';
import { DNS1123_SUBDOMAIN_MAX } from '../../schemas/names.js';

/** Hex digits of the hash that stands in for the cut part of an over-long pool name. */
const HASH_LENGTH = 10;

/**
 * `10.0.0.0/24` → `10-0-0-0-24`, `fd00::/64` → `fd00---64`. A canonical IPv6 text never starts with `0::`,
 * so prefixing the `::`-leading forms with `0` keeps the label valid (it must start with a digit or letter)
 * without making two prefixes share a label.
 */
function cidrLabel(text: string): string {
  const label = text.replace(/[.:/]/g, '-');
  return label.startsWith('-') ? `0${label}` : label;
}

/**
 * Name of the IPAllocation of `cidr` in pool `pool`: `<pool>.<cidr label>`, e.g. `lab.10-0-0-0-24`,
 * `lab.fd00-0-1---64`, `lab.0--1-128` (for `::1/128`). The `.` cannot occur in a cidr label, so
 * different (pool, prefix) pairs never share a name (a `-` separator would let pool `x` with `a:b::/32`
 * collide with pool `x-a` with `b::/32`). When the result would exceed 253 characters the pool part is
 * cut and followed by a hash of the whole pool name, keeping names valid DNS-1123 subdomains and unique.
 * `cidr` must be canonical text (as stored in specs) or a parsed prefix.
 */
export function ipAllocationName(pool: string, cidr: Cidr | string): string {
  const label = cidrLabel(typeof cidr === 'string' ? cidr : formatCidr(cidr));
  const plain = `${pool}.${label}`;
  if (plain.length <= DNS1123_SUBDOMAIN_MAX) return plain;
  const hash = createHash('sha256').update(`${pool}/${label}`).digest('hex').slice(0, HASH_LENGTH);
  const room = DNS1123_SUBDOMAIN_MAX - label.length - HASH_LENGTH - 2;
  // A cut pool name must still end in a letter or digit to stay a valid DNS label.
  const head = pool.slice(0, room).replace(/[-.]+$/, '');
  return `${head}-${hash}.${label}`;
}
