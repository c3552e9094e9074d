/**
 * The pure allocator: from a pool, its existing allocations and the networks to avoid, build the free
 * prefix tree for a request and take a block from it. No I/O; `allocator.ts` adds the store and the lock.
 */
import { bitsOf, formatCidr, formatIp, type Cidr } from '../../schemas/cidr.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { PoolExhaustedError } from './errors.js';
import type { PoolLayout } from './layout.js';
import { PrefixTree } from './prefix-tree.js';
import { countTouchedBlocks, intersectRanges, mergeRanges, rangeOf, subtractRanges, type AddressRange } from './ranges.js';
import { enclosesRequest, resolveRequest, type AllocationRequest, type ResolvedRequest } from './request.js';

/** An allocation already made from the pool, as the planner sees it. */
export interface PlannedAllocation {
  readonly cidr: Cidr;
  /** Undefined for records of unknown purpose; they block everything. */
  readonly purpose?: AllocationPurpose;
}

/** Input of {@link planAllocation} and {@link freeSpace}. */
export interface PlanInput {
  readonly pool: PoolLayout;
  /** Allocations already made from the pool (any family; others are ignored). */
  readonly existing: readonly PlannedAllocation[];
  /** Networks observed in providers that the pool must not hand out (e.g. unmanaged bridges). */
  readonly avoid?: readonly Cidr[];
  readonly request: AllocationRequest;
  /** Field named in validation errors. Default `spec.prefixLength` for prefixes, `spec.networks` for addresses. */
  readonly field?: string;
}

/** The free space for one request, and what blocks it (for messages). */
export interface FreeSpace {
  readonly request: ResolvedRequest;
  /** Free blocks; take from it with `tree.take(request.prefixLength, request.strategy)`. */
  readonly tree: PrefixTree;
  /** Addresses held by allocations (merged). */
  readonly allocated: readonly AddressRange[];
  /** Addresses unavailable for any reason: allocations, reserved, avoided, unusable (merged). */
  readonly blocked: readonly AddressRange[];
}

/**
 * The free space of `input.pool` for `input.request`.
 * @throws InvalidError when the request can never be satisfied by this pool.
 */
export function freeSpace(input: PlanInput): FreeSpace {
  const field = input.field ?? ('address' in input.request ? 'spec.networks' : 'spec.prefixLength');
  const request = resolveRequest(input.pool, input.request, field);
  const family = request.family;
  const allocated = mergeRanges(
    input.existing
      .filter((a) => a.cidr.family === family && !enclosesRequest(request, a.cidr, a.purpose))
      .map((a) => rangeOf(a.cidr)),
  );
  const other: AddressRange[] = [
    ...input.pool.reserved.filter((r) => r.family === family),
    ...(input.avoid ?? []).filter((c) => c.family === family && !enclosesRequest(request, c, undefined)).map(rangeOf),
    ...request.unusable.map((a) => ({ first: a, last: a })),
  ];
  const blocked = mergeRanges([...allocated, ...other]);
  const spaces = mergeRanges(request.spaces.map(rangeOf));
  const tree = PrefixTree.fromFree(family, subtractRanges(spaces, blocked));
  return { request, tree, allocated, blocked };
}

/** `pool "lab" has no free /24 left (10.0.0.0/16: 256 of 256 /24 allocated)`, with reserved/avoided counts. */
export function exhaustionMessage(pool: string, space: FreeSpace): string {
  const { request } = space;
  const hostBits = bitsOf(request.family) - request.prefixLength;
  const single = hostBits === 0 && request.purpose === AllocationPurpose.Address;
  const unit = single ? 'addresses' : `/${request.prefixLength}`;
  const parts = request.spaces.map((c) => {
    const range = [rangeOf(c)];
    const total = countTouchedBlocks(range, hostBits);
    const allocated = countTouchedBlocks(intersectRanges(space.allocated, range), hostBits);
    const other = countTouchedBlocks(intersectRanges(space.blocked, range), hostBits) - allocated;
    const rest = other > 0n ? `, ${other} ${single ? 'reserved, avoided or unusable (network, gateway, broadcast)' : 'reserved or avoided'}` : '';
    return `${formatCidr(c)}: ${allocated} of ${total} ${unit} allocated${rest}`;
  });
  const what = single ? `address left${request.within ? ` in ${formatCidr(request.within)}` : ''}` : `/${request.prefixLength} left`;
  return `pool "${pool}" has no free ${what} (${parts.join('; ')})`;
}

/**
 * The block to allocate for `input.request`: best fit (smallest free block that holds it, lowest address
 * among equals) for prefixes, lowest free usable address for addresses. Deterministic.
 * @throws InvalidError when the request can never be satisfied by this pool.
 * @throws PoolExhaustedError when no block of the size is free now.
 */
export function planAllocation(input: PlanInput): Cidr {
  const space = freeSpace(input);
  const block = space.tree.take(space.request.prefixLength, space.request.strategy);
  if (block === undefined) throw new PoolExhaustedError(input.pool.name, exhaustionMessage(input.pool.name, space));
  return block;
}

/** `10.0.0.5` for a single address, `10.0.0.0/24` otherwise: how an allocation reads in messages and status. */
export function describeBlock(cidr: Cidr): string {
  return cidr.prefixLength === bitsOf(cidr.family) ? formatIp({ family: cidr.family, value: cidr.network }) : formatCidr(cidr);
}
