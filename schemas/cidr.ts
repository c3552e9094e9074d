/**
 * IPv4/IPv6 addresses and CIDR prefixes as BigInt, with canonical text forms (dotted quad; RFC 5952
 * compressed lowercase IPv6). Shared by validation (specs are normalised to canonical text) and by
 * the IPAM allocator, so both agree on what "the same network" means.
 */

/** Address family: 4 or 6. */
export type IpFamily = 4 | 6;

/** An address: its family and its value as an unsigned integer of 32 or 128 bits. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** A network prefix; `network` has no host bits set. */
export interface Cidr {
  readonly family: IpFamily;
  readonly network: bigint;
  readonly prefixLength: number;
}

/** Outcome of parsing text; on failure `message` says what is wrong and `suggestion` a likely fix. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string; readonly suggestion?: string };

/** Number of bits in an address of `family`. */
export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

const IPV4_OCTET_RE = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP_RE = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected: some parsers read them as octal, so they are ambiguous.
    if (!IPV4_OCTET_RE.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseGroups(text: string): bigint[] | undefined {
  if (text === '') return [];
  const groups: bigint[] = [];
  for (const g of text.split(':')) {
    if (!IPV6_GROUP_RE.test(g)) return undefined;
    groups.push(BigInt(`0x${g}`));
  }
  return groups;
}

function parseIpv6Value(text: string): bigint | undefined {
  let body = text;
  const tail: bigint[] = [];
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4Value(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(v4 >> 16n, v4 & 0xffffn);
    // Keep the colon when it belongs to a "::" so the split below still sees it.
    body = body.slice(0, body[lastColon - 1] === ':' ? lastColon + 1 : lastColon);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const explicit = [...head, ...rest, ...tail];
  let groups: bigint[];
  if (halves.length === 2) {
    if (explicit.length > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - explicit.length).fill(0n), ...rest, ...tail];
  } else {
    if (explicit.length !== 8) return undefined;
    groups = explicit;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses an IPv4 (dotted quad, no leading zeros) or IPv6 address (no zone). */
export function parseIp(text: string): ParseResult<IpAddress> {
  if (text.includes(':')) {
    if (text.includes('%')) return { ok: false, message: 'zone identifiers (%…) are not allowed' };
    const value = parseIpv6Value(text);
    if (value === undefined) return { ok: false, message: 'not a valid IPv6 address' };
    return { ok: true, value: { family: 6, value } };
  }
  const value = parseIpv4Value(text);
  if (value === undefined) {
    return { ok: false, message: 'not a valid IP address: use dotted IPv4 (e.g. 10.0.0.1, no leading zeros) or IPv6' };
  }
  return { ok: true, value: { family: 4, value } };
}

function formatIpv4Value(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Canonical text of an address: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(addr: IpAddress): string {
  if (addr.family === 4) return formatIpv4Value(addr.value);
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((addr.value >> shift) & 0xffffn));
  // IPv4-mapped addresses keep their dotted tail, as RFC 5952 §5 recommends.
  if (addr.value >> 32n === 0xffffn) return `::ffff:${formatIpv4Value(addr.value & 0xffffffffn)}`;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Mask with the top `prefixLength` bits of a `family` address set. */
function maskOf(family: IpFamily, prefixLength: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLength))) - 1n);
}

/**
 * Parses `address/prefixLength`. Host bits must be zero: `10.0.0.5/24` fails with the suggestion
 * `10.0.0.0/24`, because silently moving a user's network is worse than asking.
 */
export function parseCidr(text: string): ParseResult<Cidr> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, message: 'not a CIDR: expected address/prefix-length, e.g. 10.0.0.0/24 or fd00::/64' };
  const ip = parseIp(text.slice(0, slash));
  if (!ip.ok) return ip;
  const prefixText = text.slice(slash + 1);
  const max = bitsOf(ip.value.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > max) {
    return { ok: false, message: `has an invalid prefix length "${prefixText}": use 0 to ${max} for IPv${ip.value.family}` };
  }
  const prefixLength = Number(prefixText);
  const network = ip.value.value & maskOf(ip.value.family, prefixLength);
  const cidr: Cidr = { family: ip.value.family, network, prefixLength };
  if (network !== ip.value.value) {
    return { ok: false, message: 'has host bits set', suggestion: formatCidr(cidr) };
  }
  return { ok: true, value: cidr };
}

/** Canonical text of a prefix, e.g. `10.0.0.0/24`, `2001:db8::/32`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefixLength}`;
}

/** Lowest address of the prefix (the network address). */
export function cidrFirst(cidr: Cidr): bigint {
  return cidr.network;
}

/** Highest address of the prefix (the IPv4 broadcast address). */
export function cidrLast(cidr: Cidr): bigint {
  return cidr.network | ((1n << BigInt(bitsOf(cidr.family) - cidr.prefixLength)) - 1n);
}

/** Number of addresses in the prefix. */
export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(bitsOf(cidr.family) - cidr.prefixLength);
}

/** True if `addr` lies inside `cidr` (same family). */
export function cidrContainsIp(cidr: Cidr, addr: IpAddress): boolean {
  return addr.family === cidr.family && addr.value >= cidrFirst(cidr) && addr.value <= cidrLast(cidr);
}

/** True if the two prefixes share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && cidrFirst(a) <= cidrLast(b) && cidrFirst(b) <= cidrLast(a);
}
