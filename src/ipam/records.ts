/**
 * IPAllocation objects as the allocator sees them, and the object it creates. Reading goes through the
 * kind's schema, so the allocator never trusts a shape the API did not validate.
 */
import { parseCidr, type Cidr } from '../../schemas/cidr.js';
import { apiVersionOf } from '../../schemas/types.js';
import { AllocationPurpose, ipAllocationSpec, ipAllocationType } from '../../schemas/ipallocation.js';
import type { KubeObject } from '../../schemas/object.js';
import { GROUP, VERSION } from '../../schemas/common.js';
import { ipAllocationName } from './names.js';

/** The object a range is allocated to. */
export interface AllocationOwner {
  readonly kind: string;
  readonly name: string;
  /** `metadata.uid` of the owner: ownership is by uid, so a re-created object with the same name is a new owner. */
  readonly uid: string;
  /** API version of the owner for its owner reference; default `converge.io/v1alpha1`. */
  readonly apiVersion?: string;
}

/** One IPAllocation, parsed. */
export interface Allocation {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** Store revision of the last write; allocations are write-once, so this is when it was created. */
  readonly resourceVersion: string;
  readonly pool: string;
  readonly cidr: Cidr;
  /** `spec.cidr` as stored (canonical). */
  readonly cidrText: string;
  readonly purpose: AllocationPurpose;
  readonly owner: { readonly kind: string; readonly name: string; readonly uid: string };
  /** Deletion was requested (finalizers still pending); it still holds its range until it is gone. */
  readonly terminating: boolean;
}

/** Parsed allocations by identity; see {@link toAllocation}. */
const parsed = new Map<string, Allocation>();
/** Entries kept: a few pools' worth of allocations. */
const PARSED_MAX = 20_000;

/**
 * The allocation `obj` records, or undefined when it is not a valid IPAllocation (it then blocks nothing).
 * Every allocator lists whole pools, often, so results are memoised by everything they are made of (the
 * identity, the deletion mark and the spec as JSON): serialising a small spec costs far less than
 * validating it, and a key of the content can never return a stale answer.
 */
export function toAllocation(obj: KubeObject): Allocation | undefined {
  const { namespace, name, uid, resourceVersion, deletionTimestamp } = obj.metadata;
  const key = JSON.stringify([namespace, name, uid, resourceVersion, deletionTimestamp !== undefined, obj.spec]);
  const known = parsed.get(key);
  if (known !== undefined) return known;
  const fresh = parseAllocation(obj);
  if (fresh !== undefined) {
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value ?? '');
    parsed.set(key, fresh);
  }
  return fresh;
}

function parseAllocation(obj: KubeObject): Allocation | undefined {
  const spec = ipAllocationSpec.safeParse(obj.spec);
  if (!spec.success) return undefined;
  const cidr = parseCidr(spec.data.cidr);
  if (!cidr.ok) return undefined;
  return {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? '',
    uid: obj.metadata.uid ?? '',
    resourceVersion: obj.metadata.resourceVersion ?? '',
    pool: spec.data.poolRef.name,
    cidr: cidr.value,
    cidrText: spec.data.cidr,
    purpose: spec.data.purpose,
    owner: spec.data.owner,
    terminating: obj.metadata.deletionTimestamp !== undefined,
  };
}

/** What {@link allocationObject} records. */
export interface AllocationRecord {
  readonly namespace: string;
  readonly pool: string;
  readonly cidr: string;
  readonly purpose: AllocationPurpose;
  readonly owner: AllocationOwner;
}

/**
 * The IPAllocation to create for `record`, named by {@link ipAllocationName}. It carries an owner reference
 * so that garbage collection releases the range when the owner is deleted without releasing it.
 */
export function allocationObject(record: AllocationRecord): KubeObject {
  const { owner } = record;
  return {
    apiVersion: apiVersionOf(ipAllocationType),
    kind: ipAllocationType.kind,
    metadata: {
      name: ipAllocationName(record.pool, record.cidr),
      namespace: record.namespace,
      ownerReferences: [{ apiVersion: owner.apiVersion ?? `${GROUP}/${VERSION}`, kind: owner.kind, name: owner.name, uid: owner.uid }],
    },
    spec: {
      poolRef: { name: record.pool },
      cidr: record.cidr,
      owner: { kind: owner.kind, name: owner.name, uid: owner.uid },
      purpose: record.purpose,
    },
  };
}

/**
 * True when `a` was created before `b`, judged by resourceVersion (their creation revision, as allocations
 * are write-once). When either version is not a number (another API server's opaque ones) the answer is
 * true, so an allocator that cannot tell yields rather than keeps a possibly overlapping range.
 */
export function olderThan(a: Allocation, b: Allocation): boolean {
  const ra = /^[0-9]+$/.test(a.resourceVersion) ? BigInt(a.resourceVersion) : undefined;
  const rb = /^[0-9]+$/.test(b.resourceVersion) ? BigInt(b.resourceVersion) : undefined;
  if (ra === undefined || rb === undefined) return true;
  return ra < rb;
}
