/** Reading IPAllocation objects back as {@link Allocation}s, page by page. */
import { ipAllocationType } from '../../schemas/ipallocation.js';
import type { ApiClient } from '../client/types.js';
import { toAllocation, type Allocation } from './records.js';

const PAGE_SIZE = 500;

/**
 * Every allocation in `namespace` for which `match` is true, including terminating ones (they hold their range
 * until gone). Objects that are not valid allocations are skipped.
 */
export async function listAllocations(client: ApiClient, namespace: string, match: (a: Allocation) => boolean): Promise<Allocation[]> {
  const out: Allocation[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(ipAllocationType, { namespace, limit: PAGE_SIZE, ...(token ? { continue: token } : {}) });
    for (const obj of page.items) {
      const a = toAllocation(obj);
      if (a !== undefined && match(a)) out.push(a);
    }
    token = page.continue;
  } while (token);
  return out;
}
