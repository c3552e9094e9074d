/**
 * Allocating from a Pool through the API. An allocation is an IPAllocation object whose name is derived
 * from the pool and the prefix, created with create-if-absent: that create is the lock.
 *
 * - Same-size races (the common case: every allocator computes the same best fit) collide on the name;
 *   the loser gets AlreadyExists, lists again and recomputes.
 * - Different-size races (a /23 and a /24 planned from the same stale view) have different names, so after
 *   a successful create the allocator lists again: if an overlapping allocation created before its own
 *   exists, it deletes its own and retries. Lists are consistent reads, so of two overlapping allocations the
 *   younger one's check always sees the older one: exactly one survives. "Older" compares resourceVersions,
 *   which are creation revisions because allocations are write-once (spec immutable, nothing updates them).
 * - Per owner the call is idempotent: an allocation the owner already holds that satisfies the request is
 *   returned as is (also when two calls for the same owner raced, the older allocation wins).
 */
import { cidrsOverlap, formatCidr, parseCidr, type Cidr, type IpFamily } from '../../schemas/cidr.js';
import { ipAllocationType } from '../../schemas/ipallocation.js';
import type { KubeObject } from '../../schemas/object.js';
import { poolSpec } from '../../schemas/pool.js';
import type { ApiClient } from '../client/types.js';
import { BadRequestError, ConflictError, ConvergeError, ErrorCode, InvalidError, isAlreadyExists, isNotFound } from '../errors/index.js';
import { poolLayout, type PoolLayout } from './layout.js';
import { listAllocations } from './list.js';
import { ipAllocationName } from './names.js';
import { cidrContains } from './overlap.js';
import { assertClaimedFromParent } from './parent.js';
import { planAllocation } from './plan.js';
import { allocationObject, olderThan, toAllocation, type Allocation, type AllocationOwner } from './records.js';
import { enclosesRequest, resolveRequest, type AllocationRequest, type ResolvedRequest } from './request.js';

/** Lost races tolerated before giving up with a ConflictError (a silent requeue for controllers). */
const DEFAULT_MAX_ATTEMPTS = 32;

/** Options common to every {@link allocate} call. */
interface AllocateCommon {
  readonly client: ApiClient;
  /** The Pool object as read from the API (name, namespace and spec are used). */
  readonly pool: KubeObject;
  readonly owner: AllocationOwner;
  /** CIDRs observed outside the pool's bookkeeping (e.g. unmanaged provider networks) that must not be handed out. */
  readonly avoid?: readonly string[];
  /** Field named in InvalidError causes. Default `spec.prefixLength` for prefixes, `spec.networks` for addresses. */
  readonly field?: string;
  /** Lost races tolerated before a ConflictError. Default 32. */
  readonly maxAttempts?: number;
  /** Field manager recorded on created allocations. Default `converge-ipam`. */
  readonly fieldManager?: string;
  /**
   * Prefixes the owner probably holds already (e.g. the Network's `status.cidr`, or what an earlier call
   * returned). Each is checked with one GET of the allocation its name derives from, before listing the
   * whole pool: a repeated call for an owner that holds its range costs one read, not a list of the pool.
   */
  readonly hints?: readonly string[];
}

/** A single address, optionally inside a network given as CIDR text (e.g. the Network's `status.cidr`). */
export interface AddressOptions {
  readonly within?: string;
  readonly family?: IpFamily;
}

/** Options of {@link allocate}: a prefix (`prefixLength`, for a Network) or one address (`address`, for an Instance). */
export type AllocateOptions = AllocateCommon &
  ({ readonly prefixLength: number; readonly family?: IpFamily } | { readonly address: AddressOptions });

/** Outcome of {@link allocate}. */
export interface AllocateResult {
  readonly allocation: Allocation;
  /** False when the owner already held a matching allocation. */
  readonly created: boolean;
}

/** A Pool reference: enough of the object to address it. */
export interface PoolRef {
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

function parseCidrOption(text: string, what: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new BadRequestError(`${what} "${text}" ${parsed.message}`);
  return parsed.value;
}

/**
 * The namespace of `pool`.
 * @throws BadRequestError when it has none (pools are namespaced).
 */
export function namespaceOf(pool: PoolRef): string {
  const ns = pool.metadata.namespace;
  if (ns === undefined || ns === '') throw new BadRequestError(`pool "${pool.metadata.name}" has no namespace`);
  return ns;
}

/**
 * The layout of the Pool object `pool`, from its spec.
 * @throws InvalidError naming the fields when the spec does not validate (an object that bypassed the API).
 */
export function layoutOf(pool: KubeObject): PoolLayout {
  const spec = poolSpec.safeParse(pool.spec);
  if (!spec.success) {
    const problems = spec.error.issues.map((i) => `${['spec', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw new InvalidError(`Pool "${pool.metadata.name}" has an invalid spec: ${problems}`, { kind: 'Pool', name: pool.metadata.name });
  }
  return poolLayout(pool.metadata.name, spec.data);
}

function requestOf(options: AllocateOptions): AllocationRequest {
  if (!('address' in options)) {
    return { prefixLength: options.prefixLength, ...(options.family !== undefined ? { family: options.family } : {}) };
  }
  const { within, family } = options.address;
  return {
    address: {
      ...(within !== undefined ? { within: parseCidrOption(within, 'address.within') } : {}),
      ...(family !== undefined ? { family } : {}),
    },
  };
}

/** Every allocation of pool `pool`, including terminating ones (they hold their range until gone). */
export async function listPoolAllocations(client: ApiClient, pool: PoolRef): Promise<Allocation[]> {
  return listAllocations(client, namespaceOf(pool), (a) => a.pool === pool.metadata.name);
}

/** True when allocation `a` of the owner already answers `request`. */
function satisfies(a: Allocation, request: ResolvedRequest): boolean {
  return (
    a.purpose === request.purpose &&
    a.cidr.family === request.family &&
    a.cidr.prefixLength === request.prefixLength &&
    (request.within === undefined || cidrContains(request.within, a.cidr))
  );
}

const ownedBy = (a: Allocation, owner: AllocationOwner) => a.owner.uid === owner.uid;

/** The allocation named `name`, or undefined when there is none (or it does not read back as one). */
async function getAllocation(client: ApiClient, namespace: string, name: string): Promise<Allocation | undefined> {
  try {
    return toAllocation(await client.get(ipAllocationType, namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The first of the `hints` the owner holds in `pool` that satisfies `request`, by one GET per hint. */
async function heldByHint(client: ApiClient, pool: PoolLayout, namespace: string, owner: AllocationOwner, request: ResolvedRequest, hints: readonly string[]): Promise<Allocation | undefined> {
  for (const hint of hints) {
    const parsed = parseCidr(hint);
    if (!parsed.ok) continue;
    const a = await getAllocation(client, namespace, ipAllocationName(pool.name, parsed.value));
    if (a !== undefined && a.pool === pool.name && ownedBy(a, owner) && !a.terminating && satisfies(a, request)) return a;
  }
  return undefined;
}

type Verdict = { readonly keep: true } | { readonly keep: false; readonly winner?: Allocation };

/** After creating `mine`: keep it, or yield to an older overlapping allocation (or an older one of the same owner). */
async function settle(client: ApiClient, pool: PoolRef, mine: Allocation, owner: AllocationOwner, request: ResolvedRequest): Promise<Verdict> {
  const others = (await listPoolAllocations(client, pool)).filter((a) => a.name !== mine.name && olderThan(a, mine));
  const duplicate = others.find((a) => ownedBy(a, owner) && !a.terminating && satisfies(a, request));
  const overlapping = others.some(
    (a) => cidrsOverlap(a.cidr, mine.cidr) && !enclosesRequest(request, a.cidr, a.purpose),
  );
  if (duplicate === undefined && !overlapping) return { keep: true };
  try {
    await client.delete(ipAllocationType, mine.namespace, mine.name, { preconditions: { uid: mine.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return duplicate === undefined ? { keep: false } : { keep: false, winner: duplicate };
}

/**
 * Allocates a prefix or an address from `options.pool` to `options.owner`; see the module comment.
 * @throws InvalidError when the pool can never satisfy the request (names `options.field`).
 * @throws PoolExhaustedError when no block of that size is free.
 * @throws UnavailableError when the pool is a child whose prefixes are not claimed from its parent yet.
 * @throws ConflictError after `maxAttempts` lost races.
 */
export async function allocate(options: AllocateOptions): Promise<AllocateResult> {
  const { client, pool, owner } = options;
  const namespace = namespaceOf(pool);
  const layout = layoutOf(pool);
  assertClaimedFromParent(pool);
  const request = requestOf(options);
  const field = options.field ?? ('address' in options ? 'spec.networks' : 'spec.prefixLength');
  const resolved = resolveRequest(layout, request, field);
  const avoid = (options.avoid ?? []).map((text) => parseCidrOption(text, 'avoid'));
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const hinted = await heldByHint(client, layout, namespace, owner, resolved, options.hints ?? []);
  if (hinted !== undefined) return { allocation: hinted, created: false };
  // The pool as last listed, plus the allocations this call collided with since (see the AlreadyExists case).
  let existing: Allocation[] | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    existing ??= await listPoolAllocations(client, pool);
    const held = existing.find((a) => ownedBy(a, owner) && !a.terminating && satisfies(a, resolved));
    if (held !== undefined) return { allocation: held, created: false };
    const cidr = planAllocation({ pool: layout, existing, avoid, request, field });
    const body = allocationObject({ namespace, pool: layout.name, cidr: formatCidr(cidr), purpose: resolved.purpose, owner });
    let created: KubeObject;
    try {
      created = await client.create(ipAllocationType, body, { fieldManager: options.fieldManager ?? 'converge-ipam' });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Someone took this block since the list. Reading just that allocation is enough to plan again:
      // the create and the check after it keep correctness; a fresh list of the whole pool per lost race
      // made many allocators racing on one pool quadratic. Gone again already: list afresh.
      const taken = await getAllocation(client, namespace, body.metadata.name);
      if (taken === undefined) existing = undefined;
      else existing = [...existing, taken];
      continue;
    }
    const mine = toAllocation(created);
    if (mine === undefined) throw new ConvergeError(ErrorCode.Internal, `created IPAllocation "${body.metadata.name}" does not read back as an allocation`);
    const verdict = await settle(client, pool, mine, owner, resolved);
    if (verdict.keep) return { allocation: mine, created: true };
    if (verdict.winner !== undefined) return { allocation: verdict.winner, created: false };
    existing = undefined;
  }
  throw new ConflictError(`allocating from pool "${layout.name}" lost ${maxAttempts} races to other allocators; try again`, { kind: 'Pool', name: layout.name });
}

/** Options of {@link release}. */
export interface ReleaseOptions {
  readonly client: ApiClient;
  readonly pool: PoolRef;
  readonly owner: Pick<AllocationOwner, 'uid'>;
  /** Only the allocation of this prefix (e.g. `10.0.1.0/24`, `10.0.1.5/32`); default every allocation of the owner in the pool. */
  readonly cidr?: string;
}

/** Deletes the owner's allocations in the pool and returns them. Idempotent: already gone is fine. */
export async function release(options: ReleaseOptions): Promise<Allocation[]> {
  const { client, pool, owner } = options;
  const only = options.cidr === undefined ? undefined : formatCidr(parseCidrOption(options.cidr, 'cidr'));
  const mine = (await listPoolAllocations(client, pool)).filter(
    (a) => a.owner.uid === owner.uid && (only === undefined || a.cidrText === only),
  );
  for (const a of mine) {
    try {
      await client.delete(ipAllocationType, a.namespace, a.name, { preconditions: { uid: a.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return mine;
}
