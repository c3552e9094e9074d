/**
 * Handing allocations over to nobody. An owner deleted while its external resource is kept (a machine or
 * network left running under `deletionPolicy: Orphan`) still uses its ranges, so its IPAllocations must
 * outlive it: their owner reference to it is removed, so the garbage collector does not release them, and
 * they show as unowned. `spec.owner` stays as the record of who took the range.
 */
import { ipAllocationType, type AllocationPurpose } from '../../schemas/ipallocation.js';
import type { ApiClient } from '../client/types.js';
import { isConflict, isNotFound } from '../errors/index.js';
import { listAllocations } from './list.js';
import type { Allocation } from './records.js';

/** Options of {@link disownAllocations}. */
export interface DisownOptions {
  readonly client: ApiClient;
  readonly namespace: string;
  /** `metadata.uid` of the owner going away. */
  readonly ownerUid: string;
  /** Only allocations of this purpose; default all. */
  readonly purpose?: AllocationPurpose;
}

const MAX_ATTEMPTS = 5;

/** Removes `ownerUid`'s owner reference from one allocation; retries on conflicts. Gone is fine. */
async function disownOne(client: ApiClient, a: Allocation, ownerUid: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const obj = await client.get(ipAllocationType, a.namespace, a.name);
      if (obj.metadata.uid !== a.uid) return;
      const refs = obj.metadata.ownerReferences ?? [];
      const kept = refs.filter((r) => r.uid !== ownerUid);
      if (kept.length === refs.length) return;
      await client.patch(ipAllocationType, a.namespace, a.name, {
        type: 'merge',
        body: { metadata: { ownerReferences: kept.length > 0 ? kept.map((r) => ({ ...r })) : null, resourceVersion: obj.metadata.resourceVersion ?? '' } },
      });
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/** See the module comment; returns the allocations disowned. Idempotent. */
export async function disownAllocations(options: DisownOptions): Promise<Allocation[]> {
  const { client, ownerUid, purpose } = options;
  const owned = await listAllocations(client, options.namespace, (a) => a.owner.uid === ownerUid && (purpose === undefined || a.purpose === purpose));
  for (const a of owned) await disownOne(client, a, ownerUid);
  return owned;
}
