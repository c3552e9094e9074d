/**
 * The interfaces of an Instance whose address comes from a Pool (`spec.networks[i].poolRef` without a fixed
 * `address`), and what allocating for one needs: the Pool object and the CIDR of the Network it attaches to.
 * Every failure names the interface's field, so the Instance's Synced condition says which NIC is stuck.
 */
import { parseCidr, type Cidr } from '../../schemas/cidr.js';
import { networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import { isNotFound, UnavailableError } from '../../src/errors/index.js';

/** One interface that takes its address from a pool. */
export interface PoolNic {
  /** Position in `spec.networks`. */
  readonly index: number;
  /** Name of the Network it attaches to. */
  readonly network: string;
  /** Name of the Pool the address comes from. */
  readonly pool: string;
}

function refName(item: Record<string, unknown>, key: string): string | undefined {
  const ref = item[key];
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return undefined;
  const name = (ref as Record<string, unknown>)['name'];
  return typeof name === 'string' ? name : undefined;
}

/** The interfaces of `instance` that name a pool and no fixed address, in spec order. */
export function poolNics(instance: KubeObject): PoolNic[] {
  const items = instance.spec?.['networks'];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, index): PoolNic[] => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    if (typeof item['address'] === 'string') return [];
    const network = refName(item, 'networkRef');
    const pool = refName(item, 'poolRef');
    return network !== undefined && pool !== undefined ? [{ index, network, pool }] : [];
  });
}

/** `spec.networks[2].poolRef`: the field errors about `nic` name. */
export function poolFieldOf(nic: PoolNic): string {
  return `spec.networks[${nic.index}].poolRef`;
}

/**
 * The Pool `nic` names, from the API.
 * @throws UnavailableError naming the field when it does not exist (creating it fixes that; retried).
 */
export async function poolOfNic(client: ApiClient, instance: KubeObject, nic: PoolNic): Promise<KubeObject> {
  try {
    return await client.get(poolType, instance.metadata.namespace, nic.pool);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const ns = instance.metadata.namespace ?? '';
    throw new UnavailableError(`${poolFieldOf(nic)}: pool "${nic.pool}" not found in namespace "${ns}": create it or set spec.networks[${nic.index}].address`, {
      cause: err,
    });
  }
}

/** The prefix a Network has: its `status.cidr` (what it was given, also from a pool), else its literal `spec.cidr`. */
export function cidrOfNetwork(network: KubeObject): Cidr | undefined {
  for (const text of [network.status?.['cidr'], network.spec?.['cidr']]) {
    if (typeof text !== 'string') continue;
    const parsed = parseCidr(text);
    if (parsed.ok) return parsed.value;
  }
  return undefined;
}

/**
 * The CIDR of the Network `nic` attaches to: the address must lie inside it.
 * @throws UnavailableError naming the interface when the Network is missing or has no CIDR yet (retried).
 */
export async function networkCidrOfNic(client: ApiClient, instance: KubeObject, nic: PoolNic): Promise<Cidr> {
  const field = `spec.networks[${nic.index}].networkRef`;
  let network: KubeObject;
  try {
    network = await client.get(networkType, instance.metadata.namespace, nic.network);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new UnavailableError(`${field}: network "${nic.network}" not found, so no address can be taken from pool "${nic.pool}" yet`, { cause: err });
  }
  const cidr = cidrOfNetwork(network);
  if (cidr === undefined) {
    throw new UnavailableError(`${field}: network "${nic.network}" has no CIDR yet, so no address can be taken from pool "${nic.pool}" yet`);
  }
  return cidr;
}
