/**
 * Turns what a caller asks for (a prefix length, or an address, optionally inside a network) into the
 * exact search: family, block size, the prefixes to search in and the addresses never to hand out.
 * Requests that no state of the pool could satisfy fail here with an `InvalidError` naming the field.
 */
import { bitsOf, formatCidr, type Cidr, type IpFamily } from '../../schemas/cidr.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { FieldReason } from '../../schemas/issues.js';
import { InvalidError } from '../errors/index.js';
import { unusableAddresses } from './addresses.js';
import type { PoolLayout } from './layout.js';
import { cidrContains, intersectCidrs } from './overlap.js';
import { FitStrategy } from './prefix-tree.js';

/** A request for a prefix of `prefixLength` (for a Network). */
export interface PrefixRequest {
  readonly prefixLength: number;
  /** Address family; default the first family in `spec.cidrs` order that can hold the length. */
  readonly family?: IpFamily;
}

/** A request for one address (for an Instance interface). */
export interface AddressRequest {
  /**
   * The network the address must lie in (e.g. the CIDR of the Network the interface attaches to). Its
   * network, gateway and broadcast addresses are skipped (see `addresses.ts`), and a network allocation
   * or avoided network that contains it does not block it. Without it, each pool prefix is treated as the
   * subnet (its network, gateway and broadcast addresses are skipped).
   */
  readonly within?: Cidr;
  /** Address family; default `within`'s, else the family of the pool's first prefix. */
  readonly family?: IpFamily;
}

/** What to allocate: `{ prefixLength }` or `{ address: {...} }`. */
export type AllocationRequest = PrefixRequest | { readonly address: AddressRequest };

/** A validated request: everything the planner searches with. */
export interface ResolvedRequest {
  readonly purpose: AllocationPurpose;
  readonly family: IpFamily;
  readonly prefixLength: number;
  readonly strategy: FitStrategy;
  /** Prefixes to allocate inside (pool prefixes, clipped to `within` for addresses). */
  readonly spaces: readonly Cidr[];
  /** Single addresses never handed out (network/gateway/broadcast). */
  readonly unusable: readonly bigint[];
  /** For addresses inside a network: the network; allocations and avoided networks containing it do not block. */
  readonly within?: Cidr;
}

function invalid(field: string, value: unknown, message: string): InvalidError {
  const text = `Invalid value: ${JSON.stringify(value)}: ${message}`;
  return new InvalidError(`${field}: ${text}`, { causes: [{ field, reason: FieldReason.Invalid, message: text }] });
}

/** `/16 to /32 from 10.0.0.0/16` for each pool prefix, to say what a pool can hand out. */
function possibleLengths(pool: PoolLayout): string {
  return pool.cidrs.map((c) => `/${c.prefixLength} to /${bitsOf(c.family)} from ${formatCidr(c)}`).join(', ');
}

function resolvePrefix(pool: PoolLayout, request: PrefixRequest, field: string): ResolvedRequest {
  const { prefixLength, family } = request;
  const fits = (c: Cidr) => (family === undefined || c.family === family) && c.prefixLength <= prefixLength && prefixLength <= bitsOf(c.family);
  const first = Number.isInteger(prefixLength) ? pool.cidrs.find(fits) : undefined;
  if (first === undefined) {
    const fam = family === undefined ? '' : `an IPv${family} prefix of `;
    throw invalid(field, prefixLength, `pool "${pool.name}" cannot hand out ${fam}this length: it can hand out ${possibleLengths(pool)}`);
  }
  return {
    purpose: AllocationPurpose.Network,
    family: first.family,
    prefixLength,
    strategy: FitStrategy.BestFit,
    spaces: pool.cidrs.filter((c) => c.family === first.family && fits(c)),
    unusable: [],
  };
}

function resolveAddress(pool: PoolLayout, request: AddressRequest, field: string): ResolvedRequest {
  const { within } = request;
  if (within !== undefined && request.family !== undefined && within.family !== request.family) {
    throw invalid(field, formatCidr(within), `is not an IPv${request.family} network`);
  }
  const family = within?.family ?? request.family ?? pool.cidrs[0]?.family;
  const ofFamily = pool.cidrs.filter((c) => c.family === family);
  if (family === undefined || ofFamily.length === 0) {
    throw invalid(field, family === undefined ? null : `IPv${family}`, `pool "${pool.name}" has no prefixes of this family (${pool.cidrs.map(formatCidr).join(', ')})`);
  }
  const spaces = within === undefined ? ofFamily : ofFamily.flatMap((c) => intersectCidrs(c, within) ?? []);
  if (within !== undefined && spaces.length === 0) {
    throw invalid(field, formatCidr(within), `network is outside pool "${pool.name}" (${pool.cidrs.map(formatCidr).join(', ')})`);
  }
  return {
    purpose: AllocationPurpose.Address,
    family,
    prefixLength: bitsOf(family),
    strategy: FitStrategy.Lowest,
    spaces,
    unusable: within === undefined ? spaces.flatMap(unusableAddresses) : unusableAddresses(within),
    ...(within !== undefined ? { within } : {}),
  };
}

/**
 * Validates `request` against `pool`.
 * @param field the field named in errors, e.g. `spec.prefixLength` or `spec.networks[0].poolRef`.
 * @throws InvalidError when the pool can never satisfy the request (wrong length or family, network outside the pool).
 */
export function resolveRequest(pool: PoolLayout, request: AllocationRequest, field: string): ResolvedRequest {
  return 'address' in request ? resolveAddress(pool, request.address, field) : resolvePrefix(pool, request, field);
}

/** True when an allocation of `cidr` with `purpose` does not block `request` (the network an address lives in). */
export function enclosesRequest(request: ResolvedRequest, cidr: Cidr, purpose: AllocationPurpose | undefined): boolean {
  return request.within !== undefined && purpose !== AllocationPurpose.Address && cidrContains(cidr, request.within);
}
