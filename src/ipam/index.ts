/**
 * IPAM: the pure allocator (prefix tree, best fit, IPv4 and IPv6 over BigInt) and the API-backed
 * allocator that records allocations as IPAllocation objects created with create-if-absent.
 */
export { allocate, release, listPoolAllocations, layoutOf, namespaceOf, type AllocateOptions, type AllocateResult, type AddressOptions, type ReleaseOptions, type PoolRef } from './allocator.js';
export { unusableAddresses, gatewayAddress, isSingleAddress } from './addresses.js';
export { PoolExhaustedError, isPoolExhausted } from './errors.js';
export { poolLayout, type PoolLayout, type FamilyRange } from './layout.js';
export { ipAllocationName } from './names.js';
export { cidrContains, intersectCidrs, overlapsAny, findOverlaps, compareCidrs } from './overlap.js';
export { planAllocation, freeSpace, exhaustionMessage, describeBlock, type PlanInput, type PlannedAllocation, type FreeSpace } from './plan.js';
export { PrefixTree, FitStrategy } from './prefix-tree.js';
export { toAllocation, allocationObject, olderThan, type Allocation, type AllocationOwner, type AllocationRecord } from './records.js';
export { listAllocations } from './list.js';
export { disownAllocations, type DisownOptions } from './disown.js';
export { resolveRequest, enclosesRequest, type AllocationRequest, type PrefixRequest, type AddressRequest, type ResolvedRequest } from './request.js';
export { poolUsage, ratio, type PoolUsage, type FamilyUsage } from './stats.js';
export { mergeRanges, subtractRanges, intersectRanges, rangeOf, rangeToCidrs, rangesSize, countTouchedBlocks, type AddressRange } from './ranges.js';
export { claimPrefix, listClaims, releaseClaims, describeHolder, ClaimBlockReason, type ClaimOptions, type ClaimResult, type ClaimBlocked, type ReleaseClaimsOptions } from './claim.js';
export { assertClaimedFromParent, parentNameOf } from './parent.js';
