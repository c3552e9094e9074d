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

/**
 * What each Network was last given, by uid, so that the observe → create → update calls of one reconcile
 * (and later polls) confirm the prefix with one GET instead of listing the pool. Only a hint: the
 * allocator checks it against the store every time. Bounded; the oldest entries go first.
 */
export class HeldPrefixes {
  readonly #byUid = new Map<string, string>();
  readonly #max: number;

  /** @param max entries kept (default 10,000). */
  constructor(max = 10_000) {
    this.#max = max;
  }

  /** The prefix last recorded for `uid`. */
  get(uid: string): string | undefined {
    return this.#byUid.get(uid);
  }

  /** Records that `uid` holds `cidr`. */
  set(uid: string, cidr: string): void {
    this.#byUid.delete(uid);
    this.#byUid.set(uid, cidr);
    if (this.#byUid.size > this.#max) {
      const oldest = this.#byUid.keys().next();
      if (oldest.done !== true) this.#byUid.delete(oldest.value);
    }
  }

  /** Forgets `uid` (its prefix was released). */
  delete(uid: string): void {
    this.#byUid.delete(uid);
  }
}

/** Prefixes the Network probably holds: what this process gave it before, and what its status shows. */
function hintsOf(network: KubeObject, held: HeldPrefixes | undefined): string[] {
  const hints = [held?.get(network.metadata.uid ?? ''), network.status?.['cidr']];
  return [...new Set(hints.filter((h): h is string => typeof h === 'string'))];
}

/** Options of {@link withAllocatedCidr}. */
export interface WithAllocatedCidrOptions {
  /** Remembers what each Network holds across calls; see {@link HeldPrefixes}. */
  readonly held?: HeldPrefixes;
}

/** The Network with `spec.cidr` filled from its pool allocation (claiming one if it holds none yet). */
export async function withAllocatedCidr(client: ApiClient, network: KubeObject, options: WithAllocatedCidrOptions = {}): Promise<KubeObject> {
  const poolName = poolNameOf(network);
  if (typeof network.spec?.['cidr'] === 'string' || poolName === undefined) return network;
  const uid = network.metadata.uid ?? '';
  if (network.metadata.deletionTimestamp !== undefined) {
    // Terminating: use the prefix it holds, never claim a new one (it would outlive the Network).
    const held = network.metadata.namespace === undefined
      ? undefined
      : (await listPoolAllocations(client, { metadata: { name: poolName, namespace: network.metadata.namespace } })).find((a) => a.owner.uid === uid);
    return held ? { ...network, spec: { ...network.spec, cidr: held.cidrText } } : network;
  }
  const pool = await poolOf(client, network, poolName);
  const prefixLength = network.spec?.['prefixLength'];
  const { allocation } = await allocate({
    client,
    pool,
    prefixLength: typeof prefixLength === 'number' ? prefixLength : 24,
    avoid: unmanagedCidrs(pool),
    owner: { kind: network.kind, name: network.metadata.name, uid, apiVersion: network.apiVersion },
    hints: hintsOf(network, options.held),
  });
  options.held?.set(uid, allocation.cidrText);
  return { ...network, spec: { ...network.spec, cidr: allocation.cidrText } };
}

/** Wraps a network connector so pool-backed Networks get their prefix from IPAM first. */
export function poolBackedNetworks(client: ApiClient, inner: ExternalConnector): ExternalConnector {
  const held = new HeldPrefixes();
  const resolve = (obj: KubeObject) => withAllocatedCidr(client, obj, { held });
  return {
    async connect(providerConfig, signal, credentials) {
      const driver: ExternalClient = await inner.connect(providerConfig, signal, credentials);
      return {
        observe: async (obj, s) => driver.observe(await resolve(obj), s),
        create: async (obj, s) => driver.create(await resolve(obj), s),
        update: async (obj, diff, s) => driver.update(await resolve(obj), diff, s),
        delete: async (obj, s) => {
          const poolName = poolNameOf(obj);
          await driver.delete(await resolve(obj), s);
          if (poolName !== undefined && obj.metadata.namespace !== undefined) {
            await release({ client, pool: { metadata: { name: poolName, namespace: obj.metadata.namespace } }, owner: { uid: obj.metadata.uid ?? '' } });
          }
          held.delete(obj.metadata.uid ?? '');
        },
      };
    },
  };
}
