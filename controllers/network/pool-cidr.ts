/**
 * Networks that name a Pool instead of a CIDR (`spec.poolRef` + `spec.prefixLength`): before the driver sees
 * them, the allocator claims a prefix for the Network (an IPAllocation object, idempotent per owner), and the
 * driver works on the Network as if `spec.cidr` were that prefix. Deleting the Network releases the prefix.
 * Networks the Pool controller observed in the providers without an allocation (`Pool.status.conflicts`)
 * are never handed out.
 */
import { poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { UnavailableError, isNotFound } from '../../src/errors/index.js';
import { allocate, listPoolAllocations, release } from '../../src/ipam/index.js';
import type { ExternalClient, ExternalConnector } from '../../src/providers/types.js';

function poolNameOf(obj: KubeObject): string | undefined {
  const ref = obj.spec?.['poolRef'];
  return ref !== null && typeof ref === 'object' && !Array.isArray(ref) && typeof ref['name'] === 'string' ? ref['name'] : undefined;
}

/** CIDRs of the unmanaged networks the Pool controller reported as overlapping the pool. */
export function unmanagedCidrs(pool: KubeObject): string[] {
  const list = pool.status?.['conflicts'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((c) => (c !== null && typeof c === 'object' && !Array.isArray(c) && typeof c['cidr'] === 'string' ? [c['cidr']] : []));
}

async function poolOf(client: ApiClient, network: KubeObject, name: string): Promise<KubeObject> {
  try {
    return await client.get(poolType, network.metadata.namespace, name);
  } catch (err) {
    if (isNotFound(err)) {
      throw new UnavailableError(`Pool "${name}" not found in namespace "${network.metadata.namespace ?? ''}": create it or set spec.cidr`, { cause: err });
    }
    throw err;
  }
}

/** The Network with `spec.cidr` filled from its pool allocation (claiming one if it holds none yet). */
export async function withAllocatedCidr(client: ApiClient, network: KubeObject): Promise<KubeObject> {
  const poolName = poolNameOf(network);
  if (typeof network.spec?.['cidr'] === 'string' || poolName === undefined) return network;
  if (network.metadata.deletionTimestamp !== undefined) {
    // Terminating: use the prefix it holds, never claim a new one (it would outlive the Network).
    const held = network.metadata.namespace === undefined
      ? undefined
      : (await listPoolAllocations(client, { metadata: { name: poolName, namespace: network.metadata.namespace } })).find((a) => a.owner.uid === network.metadata.uid);
    return held ? { ...network, spec: { ...network.spec, cidr: held.cidrText } } : network;
  }
  const pool = await poolOf(client, network, poolName);
  const prefixLength = network.spec?.['prefixLength'];
  const { allocation } = await allocate({
    client,
    pool,
    prefixLength: typeof prefixLength === 'number' ? prefixLength : 24,
    avoid: unmanagedCidrs(pool),
    owner: { kind: network.kind, name: network.metadata.name, uid: network.metadata.uid ?? '', apiVersion: network.apiVersion },
  });
  return { ...network, spec: { ...network.spec, cidr: allocation.cidrText } };
}

/** Wraps a network connector so pool-backed Networks get their prefix from IPAM first. */
export function poolBackedNetworks(client: ApiClient, inner: ExternalConnector): ExternalConnector {
  return {
    async connect(providerConfig, signal) {
      const driver: ExternalClient = await inner.connect(providerConfig, signal);
      return {
        observe: async (obj, s) => driver.observe(await withAllocatedCidr(client, obj), s),
        create: async (obj, s) => driver.create(await withAllocatedCidr(client, obj), s),
        update: async (obj, diff, s) => driver.update(await withAllocatedCidr(client, obj), diff, s),
        delete: async (obj, s) => {
          const poolName = poolNameOf(obj);
          await driver.delete(await withAllocatedCidr(client, obj), s);
          if (poolName !== undefined && obj.metadata.namespace !== undefined) {
            await release({ client, pool: { metadata: { name: poolName, namespace: obj.metadata.namespace } }, owner: { uid: obj.metadata.uid ?? '' } });
          }
        },
      };
    },
  };
}
