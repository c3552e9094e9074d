/**
 * Hierarchical IPAM: a child Pool (`spec.parentRef`) carves each of its prefixes out of its parent by
 * claiming exactly that prefix there, as an IPAllocation of purpose `pool` owned by the child. The lock is the
 * same as for any allocation (see `allocator.ts`): create-if-absent on the name derived from parent and
 * prefix, then a consistent list in which the older of two overlapping allocations wins. So no Network and
 * no sibling pool can be given a range overlapping the claim, and the parent's utilisation counts it.
 *
 * Unlike `allocate`, nothing is planned: the prefix is fixed by the child's spec. When it cannot be had the
 * answer is a {@link ClaimBlocked} value (for a condition), not an error: the child waits until the holder
 * goes away or the spec changes.
 */
import { cidrsOverlap, formatCidr, formatIp, parseCidr, type Cidr } from '../../schemas/cidr.js';
import { AllocationPurpose, ipAllocationType } from '../../schemas/ipallocation.js';
import type { KubeObject } from '../../schemas/object.js';
import { BadRequestError, ConflictError, ConvergeError, ErrorCode, isAlreadyExists, isNotFound } from '../errors/index.js';
import type { ApiClient } from '../client/types.js';
import { layoutOf, listPoolAllocations, namespaceOf } from './allocator.js';
import { listAllocations } from './list.js';
import { cidrContains } from './overlap.js';
import { rangeOf } from './ranges.js';
import { allocationObject, olderThan, toAllocation, type Allocation, type AllocationOwner } from './records.js';

/** Why a claim could not be made; the values are condition reasons. */
export const ClaimBlockReason = {
  /** The prefix is not inside any of the parent's prefixes. */
  NotInParent: 'NotInParent',
  /** Another allocation (or a reserved range) of the parent overlaps the prefix. */
  ParentConflict: 'ParentConflict',
} as const;
/** One of {@link ClaimBlockReason}. */
export type ClaimBlockReason = (typeof ClaimBlockReason)[keyof typeof ClaimBlockReason];

/** A claim that cannot be made now. */
export interface ClaimBlocked {
  readonly reason: ClaimBlockReason;
  /** Names the parent, the prefix and what holds it, e.g. `10.1.0.0/24 overlaps Network "web" (10.1.0.0/25) in parent pool "site"`. */
  readonly message: string;
}

/** Outcome of {@link claimPrefix}: the allocation held, or why there is none. */
export type ClaimResult = { readonly claimed: Allocation; readonly created: boolean } | { readonly blocked: ClaimBlocked };

/** Options of {@link claimPrefix}. */
export interface ClaimOptions {
  readonly client: ApiClient;
  /** The parent Pool as read from the API. */
  readonly parent: KubeObject;
  /** The child Pool claiming the prefix. */
  readonly owner: AllocationOwner;
  /** The prefix to claim, canonical or not (e.g. a child's `spec.cidrs[i]`). */
  readonly cidr: string;
  /** Lost races tolerated before a ConflictError. Default 8. */
  readonly maxAttempts?: number;
  /** Field manager recorded on the claim. Default `converge-ipam`. */
  readonly fieldManager?: string;
}

/** `Network "web" (10.1.0.0/25)`: an allocation's holder as named in messages. */
export function describeHolder(a: Allocation): string {
  return `${a.owner.kind} "${a.owner.name}" (${a.cidrText})${a.terminating ? ', being released' : ''}`;
}

function blocked(reason: ClaimBlockReason, message: string): ClaimResult {
  return { blocked: { reason, message } };
}

const mine = (a: Allocation, owner: AllocationOwner, cidr: string) =>
  a.owner.uid === owner.uid && a.cidrText === cidr && a.purpose === AllocationPurpose.Pool;

/** What in `existing` keeps `cidr` from being claimed by `owner`, as a message, or undefined when nothing does. */
function holderOf(existing: readonly Allocation[], owner: AllocationOwner, cidr: Cidr): string | undefined {
  const holders = existing.filter((a) => !mine(a, owner, formatCidr(cidr)) && cidrsOverlap(a.cidr, cidr));
  return holders.length === 0 ? undefined : holders.slice(0, 3).map(describeHolder).join(', ') + (holders.length > 3 ? ` and ${holders.length - 3} more` : '');
}

/** Deletes `a` (by uid); already gone is fine. */
async function remove(client: ApiClient, a: Allocation): Promise<void> {
  try {
    await client.delete(ipAllocationType, a.namespace, a.name, { preconditions: { uid: a.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Claims `options.cidr` in the parent pool for the child; idempotent (a claim the child holds is returned
 * as is). See the module comment.
 * @throws BadRequestError when the prefix does not parse.
 * @throws ConflictError after `maxAttempts` lost races (a silent requeue for controllers).
 */
export async function claimPrefix(options: ClaimOptions): Promise<ClaimResult> {
  const { client, parent, owner } = options;
  const namespace = namespaceOf(parent);
  const layout = layoutOf(parent);
  const parsed = parseCidr(options.cidr);
  if (!parsed.ok) throw new BadRequestError(`cidr "${options.cidr}" ${parsed.message}`);
  const cidr = parsed.value;
  const text = formatCidr(cidr);
  const where = `parent pool "${layout.name}"`;
  if (!layout.cidrs.some((c) => cidrContains(c, cidr))) {
    return blocked(ClaimBlockReason.NotInParent, `${text} is not inside ${where} (${layout.cidrs.map(formatCidr).join(', ')})`);
  }
  const span = rangeOf(cidr);
  const reserved = layout.reserved.find((r) => r.family === cidr.family && r.first <= span.last && span.first <= r.last);
  if (reserved !== undefined) {
    const range = `${formatIp({ family: reserved.family, value: reserved.first })}-${formatIp({ family: reserved.family, value: reserved.last })}`;
    return blocked(ClaimBlockReason.ParentConflict, `${text} overlaps the reserved range ${range} of ${where}`);
  }
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const existing = await listPoolAllocations(client, parent);
    const held = existing.find((a) => mine(a, owner, text) && !a.terminating);
    if (held !== undefined) return { claimed: held, created: false };
    const holder = holderOf(existing, owner, cidr);
    if (holder !== undefined) return blocked(ClaimBlockReason.ParentConflict, `${text} overlaps ${holder} in ${where}`);
    const body = allocationObject({ namespace, pool: layout.name, cidr: text, purpose: AllocationPurpose.Pool, owner });
    let created: Allocation | undefined;
    try {
      created = toAllocation(await client.create(ipAllocationType, body, { fieldManager: options.fieldManager ?? 'converge-ipam' }));
    } catch (err) {
      if (isAlreadyExists(err)) continue;
      throw err;
    }
    if (created === undefined) throw new ConvergeError(ErrorCode.Internal, `created IPAllocation "${body.metadata.name}" does not read back as an allocation`);
    const claim = created;
    // Same rule as allocate(): of two overlapping allocations the older one stays.
    const older = (await listPoolAllocations(client, parent)).filter((a) => a.name !== claim.name && olderThan(a, claim) && cidrsOverlap(a.cidr, cidr));
    if (older.length === 0) return { claimed: claim, created: true };
    await remove(client, claim);
  }
  throw new ConflictError(`claiming ${text} from ${where} lost ${maxAttempts} races to other allocators; try again`, { kind: 'Pool', name: layout.name });
}

/** Every claim (purpose `pool`) `owner` holds in `namespace`, in whatever parent pool. */
export async function listClaims(client: ApiClient, namespace: string, owner: Pick<AllocationOwner, 'uid'>): Promise<Allocation[]> {
  return listAllocations(client, namespace, (a) => a.purpose === AllocationPurpose.Pool && a.owner.uid === owner.uid);
}

/** Options of {@link releaseClaims}. */
export interface ReleaseClaimsOptions {
  readonly client: ApiClient;
  readonly namespace: string;
  readonly owner: Pick<AllocationOwner, 'uid'>;
  /** Claims to keep: those in this parent pool whose prefix is listed. Default none (release everything). */
  readonly keep?: { readonly parent: string; readonly cidrs: readonly string[] };
}

/** Releases the owner's claims except `keep`; returns the released ones. Idempotent. */
export async function releaseClaims(options: ReleaseClaimsOptions): Promise<Allocation[]> {
  const { keep } = options;
  const kept = new Set((keep?.cidrs ?? []).flatMap((c) => {
    const p = parseCidr(c);
    return p.ok ? [formatCidr(p.value)] : [];
  }));
  const stale = (await listClaims(options.client, options.namespace, options.owner)).filter(
    (a) => keep === undefined || a.pool !== keep.parent || !kept.has(a.cidrText),
  );
  for (const a of stale) await remove(options.client, a);
  return stale;
}
