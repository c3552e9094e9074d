/**
 * The Pool's reality check: networks observed in the providers that overlap the pool's prefixes without
 * being backed by one of its allocations. Pure, so the rule can be tested without a cloud.
 */
import { formatCidr, parseCidr, type Cidr } from '../../schemas/cidr.js';
import type { JsonObject } from '../../schemas/object.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { cidrContains, intersectCidrs, type Allocation } from '../../src/ipam/index.js';

/** A network seen in a provider backend. */
export interface ObservedNetwork {
  /** ProviderConfig the network lives in. */
  readonly providerRef: string;
  /** Name in the backend, e.g. `cn-…`. */
  readonly network: string;
  readonly cidr: Cidr;
}

/** One conflict as stored in `Pool.status.conflicts[]`. */
export interface PoolConflict {
  readonly providerRef: string;
  readonly network: string;
  readonly cidr: string;
  readonly poolCidr: string;
  readonly firstSeen?: string;
}

/** Options of {@link findConflicts}. */
export interface FindConflictsOptions {
  readonly poolCidrs: readonly Cidr[];
  readonly allocations: readonly Allocation[];
  readonly observed: readonly ObservedNetwork[];
  /** Conflicts recorded before: an unchanged conflict keeps its `firstSeen`. */
  readonly previous: readonly PoolConflict[];
  /** Timestamp for conflicts seen for the first time. */
  readonly now: string;
}

/**
 * Every observed network overlapping a pool prefix whose CIDR is not exactly one of the pool's allocations
 * (a network built from an allocation has that allocation's prefix; anything else was made out of band or
 * from another source), one entry per overlapped pool prefix, sorted for stable status writes. Networks
 * inside a prefix a child pool claimed are the child's to judge, not the parent's.
 */
export function findConflicts(options: FindConflictsOptions): PoolConflict[] {
  const backed = new Set(options.allocations.map((a) => formatCidr(a.cidr)));
  const delegated = options.allocations.filter((a) => a.purpose === AllocationPurpose.Pool).map((a) => a.cidr);
  const out: PoolConflict[] = [];
  for (const net of options.observed) {
    const cidr = formatCidr(net.cidr);
    if (backed.has(cidr)) continue;
    if (delegated.some((d) => cidrContains(d, net.cidr))) continue;
    for (const poolCidr of options.poolCidrs) {
      if (intersectCidrs(poolCidr, net.cidr) === undefined) continue;
      const entry = { providerRef: net.providerRef, network: net.network, cidr, poolCidr: formatCidr(poolCidr) };
      const before = options.previous.find((p) => sameConflict(p, entry));
      out.push({ ...entry, firstSeen: before?.firstSeen ?? options.now });
    }
  }
  return out.sort((a, b) => key(a).localeCompare(key(b)));
}

const key = (c: PoolConflict): string => `${c.providerRef}/${c.network}/${c.cidr}/${c.poolCidr}`;
const sameConflict = (a: PoolConflict, b: PoolConflict): boolean => key(a) === key(b);

/** `status.conflicts` of a Pool as stored (entries that do not read back are dropped). */
export function storedConflicts(status: JsonObject | undefined): PoolConflict[] {
  const list = status?.['conflicts'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item): PoolConflict[] => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    const { providerRef, network, cidr, poolCidr, firstSeen } = item;
    if (typeof providerRef !== 'string' || typeof network !== 'string' || typeof cidr !== 'string' || typeof poolCidr !== 'string') return [];
    return [{ providerRef, network, cidr, poolCidr, ...(typeof firstSeen === 'string' ? { firstSeen } : {}) }];
  });
}

/** Parses a network CIDR read from a backend; undefined when it is missing or malformed. */
export function networkCidr(value: unknown): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseCidr(value);
  return parsed.ok ? parsed.value : undefined;
}
