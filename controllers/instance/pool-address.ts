/**
 * Addresses of Instance interfaces taken from Pools (`spec.networks[i].poolRef` without `address`). Each such
 * interface holds one IPAllocation of purpose `address` (a /32 or /128 inside the CIDR of the Network it
 * attaches to), owned by the Instance (spec.owner and an ownerReference, by uid). The allocator is idempotent
 * per owner and request, so a retried create, or a create after a crash between allocating and creating,
 * gets the same address back instead of leaking one. Identity is (Instance uid, pool, network CIDR): two
 * interfaces of one Instance on the same network and pool would get the same answer, so that is refused.
 */
import { bitsOf, formatCidr, formatIp, parseIp, type Cidr } from '../../schemas/cidr.js';
import { AllocationPurpose, ipAllocationType } from '../../schemas/ipallocation.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { InvalidError, isNotFound } from '../../src/errors/index.js';
import { FieldReason } from '../../schemas/issues.js';
import {
  allocate,
  cidrContains,
  describeBlock,
  ipAllocationName,
  isPoolExhausted,
  listAllocations,
  listPoolAllocations,
  PoolExhaustedError,
  toAllocation,
  type Allocation,
  type AllocationOwner,
} from '../../src/ipam/index.js';
import { HeldAddresses, nicKey } from './held-addresses.js';
import { networkCidrOfNic, poolFieldOf, poolNics, poolOfNic, type PoolNic } from './pool-nics.js';


/** The owner recorded on the Instance's allocations. */
export function allocationOwnerOf(instance: KubeObject): AllocationOwner {
  return { kind: instance.kind, name: instance.metadata.name, uid: instance.metadata.uid ?? '', apiVersion: instance.apiVersion };
}

/** `10.0.1.5` → `10.0.1.5/32`; undefined when it is not an address. */
function singleAddressCidr(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ip = parseIp(text);
  return ip.ok ? `${formatIp(ip.value)}/${bitsOf(ip.value.family)}` : undefined;
}

/** Allocations `instance` probably holds for `nic`: what this process gave it, and what the driver reported. */
function hintsOf(instance: KubeObject, nic: PoolNic, held: HeldAddresses | undefined): string[] {
  const reported = instance.status?.['addresses'];
  const hints = [held?.get(instance.metadata.uid ?? '', nicKey(nic)), singleAddressCidr(Array.isArray(reported) ? reported[nic.index] : undefined)];
  return [...new Set(hints.filter((h): h is string => h !== undefined))];
}

function invalidNic(nic: PoolNic, message: string): InvalidError {
  const field = poolFieldOf(nic);
  return new InvalidError(`${field}: ${message}`, { causes: [{ field, reason: FieldReason.Invalid, message }] });
}

/** Refuses a second interface on the same network and pool: the allocator would hand it the first one's address. */
function assertDistinct(nics: readonly PoolNic[]): void {
  const seen = new Map<string, PoolNic>();
  for (const nic of nics) {
    const first = seen.get(nicKey(nic));
    if (first !== undefined) {
      throw invalidNic(
        nic,
        `pool "${nic.pool}" already gives spec.networks[${first.index}] an address on network "${nic.network}"; an Instance takes one address per network from a pool: set spec.networks[${nic.index}].address or name another pool`,
      );
    }
    seen.set(nicKey(nic), nic);
  }
}

/** Options of {@link allocateNicAddresses} and {@link heldNicAddresses}. */
export interface NicAddressOptions {
  /** Remembers what each Instance holds across calls, so repeated calls cost one GET per interface. */
  readonly held?: HeldAddresses;
}

/** One address for `nic`, allocated unless the Instance holds one already. */
async function allocateOne(client: ApiClient, instance: KubeObject, nic: PoolNic, options: NicAddressOptions): Promise<Cidr> {
  const within = await networkCidrOfNic(client, instance, nic);
  const pool = await poolOfNic(client, instance, nic);
  const field = poolFieldOf(nic);
  let allocation: Allocation;
  try {
    ({ allocation } = await allocate({
      client,
      pool,
      address: { within: formatCidr(within) },
      owner: allocationOwnerOf(instance),
      field,
      hints: hintsOf(instance, nic, options.held),
    }));
  } catch (err) {
    if (isPoolExhausted(err)) throw new PoolExhaustedError(nic.pool, `${field}: ${err.message}`, { cause: err });
    throw err;
  }
  // The allocator already searches only inside `within`; this guards the invariant the driver relies on.
  if (!cidrContains(within, allocation.cidr)) {
    throw invalidNic(nic, `pool "${nic.pool}" handed out ${describeBlock(allocation.cidr)}, outside network "${nic.network}" (${formatCidr(within)})`);
  }
  options.held?.set(instance.metadata.uid ?? '', nicKey(nic), allocation.cidrText);
  return allocation.cidr;
}

/**
 * Allocates (or finds) the address of every pool-backed interface of `instance`, in spec order; returns
 * them by interface index. Call it only once the create intent is on record (so that deleting the Instance
 * always goes through the path that releases them).
 * @throws InvalidError naming the interface for a second interface on the same network and pool, or a pool
 *   that cannot serve the network (outside it, wrong family).
 * @throws PoolExhaustedError naming the interface and the pool when no address is free.
 * @throws UnavailableError naming the interface when its Pool or Network is missing or has no CIDR yet.
 */
export async function allocateNicAddresses(client: ApiClient, instance: KubeObject, options: NicAddressOptions = {}): Promise<Map<number, string>> {
  const nics = poolNics(instance);
  assertDistinct(nics);
  const out = new Map<number, string>();
  for (const nic of nics) out.set(nic.index, describeBlock(await allocateOne(client, instance, nic, options)));
  return out;
}

/** The allocation named by `hint` if `instance` holds it in `nic`'s pool. */
async function heldByHint(client: ApiClient, instance: KubeObject, nic: PoolNic, hint: string): Promise<Allocation | undefined> {
  try {
    const a = toAllocation(await client.get(ipAllocationType, instance.metadata.namespace, ipAllocationName(nic.pool, hint)));
    return a !== undefined && a.owner.uid === instance.metadata.uid && a.pool === nic.pool && !a.terminating ? a : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What `instance` holds for `nic`, never allocating; undefined when nothing (or its Network is unreadable). */
async function heldOne(client: ApiClient, instance: KubeObject, nic: PoolNic, options: NicAddressOptions): Promise<Allocation | undefined> {
  for (const hint of hintsOf(instance, nic, options.held)) {
    const a = await heldByHint(client, instance, nic, hint);
    if (a !== undefined) return a;
  }
  const namespace = instance.metadata.namespace;
  if (namespace === undefined) return undefined;
  let within: Cidr;
  try {
    within = await networkCidrOfNic(client, instance, nic);
  } catch {
    return undefined; // Observing must not fail for it: the driver then simply sees no address.
  }
  const all = await listPoolAllocations(client, { metadata: { name: nic.pool, namespace } });
  const found = all.find((a) => a.owner.uid === instance.metadata.uid && a.purpose === AllocationPurpose.Address && !a.terminating && cidrContains(within, a.cidr));
  if (found !== undefined) options.held?.set(instance.metadata.uid ?? '', nicKey(nic), found.cidrText);
  return found;
}

/** The addresses `instance` already holds for its pool-backed interfaces, by index; never allocates. */
export async function heldNicAddresses(client: ApiClient, instance: KubeObject, options: NicAddressOptions = {}): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const nic of poolNics(instance)) {
    const a = await heldOne(client, instance, nic, options);
    if (a !== undefined) out.set(nic.index, describeBlock(a.cidr));
  }
  return out;
}

/** `instance` with `spec.networks[i].address` set from `addresses` (what the driver should see). */
export function withNicAddresses(instance: KubeObject, addresses: ReadonlyMap<number, string>): KubeObject {
  const items = instance.spec?.['networks'];
  if (addresses.size === 0 || !Array.isArray(items)) return instance;
  const networks = items.map((item, i) => {
    const address = addresses.get(i);
    return address !== undefined && item !== null && typeof item === 'object' && !Array.isArray(item) ? { ...item, address } : item;
  });
  return { ...instance, spec: { ...instance.spec, networks } };
}

/** Every address allocation `instance` holds in its namespace, whatever the pool. */
export async function ownedAddressAllocations(client: ApiClient, instance: KubeObject): Promise<Allocation[]> {
  const namespace = instance.metadata.namespace;
  if (namespace === undefined) return [];
  return listAllocations(client, namespace, (a) => a.owner.uid === instance.metadata.uid && a.purpose === AllocationPurpose.Address);
}

/** Deletes `allocations` (by uid precondition; already gone is fine). */
export async function deleteAllocations(client: ApiClient, allocations: readonly Allocation[]): Promise<void> {
  for (const a of allocations) {
    try {
      await client.delete(ipAllocationType, a.namespace, a.name, { preconditions: { uid: a.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
