/**
 * The Network controller: the generic managed reconciler with the network driver and status mapping. A Network
 * named by an Instance keeps its external network (and its finalizer) until every such Instance is gone.
 */
import { instanceType, networkType, poolType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { libvirtNetworkConnector } from '../../src/providers/libvirt/index.js';
import { simNetwork, type SimClouds } from '../../src/providers/sim/index.js';
import { generationChanged, type Controller, type Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { instancesReferencing, InstanceReferences, requestsReferencedBy } from '../instance/references.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { networkStatusFromObserved } from './status.js';
import { poolBackedNetworks } from './pool-cidr.js';
import type { ApiClient } from '../../src/client/types.js';
import { AllocationPurpose } from '../../schemas/ipallocation.js';
import { disownAllocations } from '../../src/ipam/index.js';

/** The prefix of a pool-backed Network deleted with its network left in place is kept (see src/ipam/disown.ts). */
function keepPrefix(client: ApiClient) {
  return async (network: KubeObject): Promise<void> => {
    const namespace = network.metadata.namespace;
    if (namespace === undefined) return;
    await disownAllocations({ client, namespace, ownerUid: network.metadata.uid ?? '', purpose: AllocationPurpose.Network });
  };
}

/** The Network managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function networkKind(clouds: SimClouds, client?: ApiClient): ManagedKind {
  const connector = driverConnector(clouds, simNetwork, { libvirt: libvirtNetworkConnector() });
  return {
    type: networkType,
    prefix: simNetwork.prefix,
    connector: client ? poolBackedNetworks(client, connector) : connector,
    observedFields: ['cidr', 'bridge', 'gateway'],
    statusFromObserved: networkStatusFromObserved,
    dependentsOf: instancesReferencing(InstanceReferences.networks),
    // A network left running keeps its prefix: its allocation stops naming the Network so it is not collected.
    ...(client ? { onLeftInPlace: keepPrefix(client) } : {}),
  };
}

/** The Networks an Instance attaches to (its `spec.networks[].networkRef`), as reconcile requests. */
export const networksOfInstance: (instance: KubeObject) => Request[] = requestsReferencedBy(InstanceReferences.networks);

/** The Networks in `pool`'s namespace that claim their prefix from it (`spec.poolRef`), as reconcile requests. */
function networksOfPool(deps: ManagedControllerDeps) {
  return (pool: KubeObject): Request[] =>
    deps.informers
      .informerFor(networkType)
      .cache.list()
      // Only those still waiting: a Pool's status changes with every allocation, and re-reconciling every
      // settled Network of a busy pool each time would cost more than the wait it saves.
      .filter((n) => n.metadata.namespace === pool.metadata.namespace && poolNameOf(n) === pool.metadata.name && !isSynced(n))
      .map((n) => ({ ...(n.metadata.namespace !== undefined ? { namespace: n.metadata.namespace } : {}), name: n.metadata.name }));
}

function isSynced(obj: KubeObject): boolean {
  const conditions = obj.status?.['conditions'];
  return Array.isArray(conditions) && conditions.some((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Synced' && c['status'] === 'True');
}

function poolNameOf(network: KubeObject): string | undefined {
  const ref = network.spec?.['poolRef'];
  const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The Network controller (add it to the Manager, or start it). A deleting Network waits for the Instances
 * using it, so an Instance's deletion (or a spec change dropping the Network) re-reconciles the Networks it
 * names; its status writes do not, since nothing a Network reports depends on them. A Pool's changes
 * (created, cidrs widened, a child pool's claim on its parent becoming Ready) re-reconcile the Networks
 * waiting to claim a prefix from it, instead of leaving them to their retry backoff.
 */
export function setupNetworkController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, networkKind(clouds, deps.client))
    .watchMapped(instanceType, networksOfInstance, { predicate: generationChanged })
    .watchMapped(poolType, networksOfPool(deps));
}
