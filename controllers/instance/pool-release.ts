/**
 * Giving pool addresses back. An Instance releases every address it holds once its machine is gone (after
 * the external delete, or when deletion finds it already gone), and releases an address as soon as no
 * interface asks for it any more (the interface dropped its poolRef, got a fixed address, or moved to a
 * network the address is not in). With `deletionPolicy: Orphan` or `managementPolicy: NoDelete` the machine
 * keeps running with its address, so the allocation is kept too (nothing else may be handed that address):
 * its ownerReference to the Instance is removed so the garbage collector keeps it, and it shows as unowned;
 * delete the IPAllocation by hand once that machine is gone.
 */
import type { Cidr } from '../../schemas/cidr.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { cidrContains, disownAllocations, type Allocation } from '../../src/ipam/index.js';
import type { HeldAddresses } from './held-addresses.js';
import { deleteAllocations, ownedAddressAllocations } from './pool-address.js';
import { networkCidrOfNic, poolNics } from './pool-nics.js';

/** Releases every address `instance` holds, in any pool; returns what was released. */
export async function releaseAllAddresses(client: ApiClient, instance: KubeObject, held?: HeldAddresses): Promise<Allocation[]> {
  const owned = await ownedAddressAllocations(client, instance);
  await deleteAllocations(client, owned);
  held?.delete(instance.metadata.uid ?? '');
  return owned;
}

/**
 * Keeps every address `instance` holds for the machine it leaves running (Orphan, NoDelete): the allocations
 * stop naming it as their owner, so they outlive it; returns them.
 */
export async function keepAllAddresses(client: ApiClient, instance: KubeObject, held?: HeldAddresses): Promise<Allocation[]> {
  const namespace = instance.metadata.namespace;
  if (namespace === undefined) return [];
  const kept = await disownAllocations({ client, namespace, ownerUid: instance.metadata.uid ?? '', purpose: AllocationPurpose.Address });
  held?.delete(instance.metadata.uid ?? '');
  return kept;
}

/**
 * True when `instance` may hold addresses it no longer asks for: its spec changed since it was last in sync
 * and it ever tried to create its machine (addresses are only allocated on the way to a create).
 */
export function mayHoldStaleAddresses(instance: KubeObject): boolean {
  const status = instance.status ?? {};
  const reached = status['lastOperation'] !== undefined || status['externalName'] !== undefined;
  return reached && status['observedGeneration'] !== instance.metadata.generation;
}

/**
 * Releases the addresses of `instance` that no pool-backed interface asks for any more; returns them. An
 * address stays while some interface names its pool and the interface's Network is unreadable (it may
 * still be the right one).
 */
export async function releaseStaleAddresses(client: ApiClient, instance: KubeObject, held?: HeldAddresses): Promise<Allocation[]> {
  const owned = await ownedAddressAllocations(client, instance);
  if (owned.length === 0) return [];
  const wanted: { pool: string; within: Cidr | undefined }[] = [];
  for (const nic of poolNics(instance)) {
    const within = await networkCidrOfNic(client, instance, nic).catch(() => undefined);
    wanted.push({ pool: nic.pool, within });
  }
  const stale = owned.filter((a) => !wanted.some((w) => w.pool === a.pool && (w.within === undefined || cidrContains(w.within, a.cidr))));
  if (stale.length === 0) return [];
  await deleteAllocations(client, stale);
  // Forget the hints: they are re-learnt (and checked) on the next call anyway.
  held?.delete(instance.metadata.uid ?? '');
  return stale;
}
