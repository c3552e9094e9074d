/**
 * Emptying a terminating namespace (kube's namespaced-resources deleter, scaled to Converge): every namespaced
 * object of every given kind is deleted, and what is still there afterwards — objects whose own finalizers
 * hold them, e.g. managed resources deleting their external resources first — is counted, so that the
 * namespace can say what blocks its termination.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound } from '../../src/errors/index.js';
import { qualifiedResource } from '../../src/registry/names.js';

/** What is left in a namespace after one deletion pass. */
export interface RemainingContent {
  /** Objects still present, by qualified resource (`instances.converge.io`). */
  readonly byResource: ReadonlyMap<string, number>;
  /** Remaining objects per finalizer they carry. */
  readonly byFinalizer: ReadonlyMap<string, number>;
  /** Kinds whose listing or deletion failed, with the error message. */
  readonly failures: readonly string[];
  readonly total: number;
}

const PAGE = 500;

async function listAll(client: ApiClient, type: ResourceType, namespace: string): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let next: string | undefined;
  do {
    const page = await client.list(type, { namespace, limit: PAGE, ...(next !== undefined ? { continue: next } : {}) });
    items.push(...page.items);
    next = page.continue !== undefined && page.continue !== '' ? page.continue : undefined;
  } while (next !== undefined);
  return items;
}

/** Deletes `obj` unless it is already terminating; the object while it remains, undefined once gone. */
async function deleteOne(client: ApiClient, type: ResourceType, obj: KubeObject): Promise<KubeObject | undefined> {
  if (obj.metadata.deletionTimestamp !== undefined) return obj;
  try {
    const after = await client.delete(type, obj.metadata.namespace, obj.metadata.name, { propagationPolicy: 'Background' });
    // A removed object comes back without deletionTimestamp (over HTTP, as an identity only).
    return after?.metadata.deletionTimestamp !== undefined ? after : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Deletes every object of the namespaced `types` in `namespace` (Background propagation) and reports what
 * remains. Failures of one kind do not stop the others; they are reported and the caller retries.
 */
export async function deleteNamespaceContent(client: ApiClient, types: readonly ResourceType[], namespace: string): Promise<RemainingContent> {
  const byResource = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  const failures: string[] = [];
  let total = 0;
  for (const type of types) {
    if (!type.namespaced) continue;
    try {
      for (const obj of await listAll(client, type, namespace)) {
        const left = await deleteOne(client, type, obj);
        if (left === undefined) continue;
        total++;
        bump(byResource, qualifiedResource(type));
        for (const f of left.metadata.finalizers ?? []) bump(byFinalizer, f);
      }
    } catch (err) {
      failures.push(`${qualifiedResource(type)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { byResource, byFinalizer, failures, total };
}
