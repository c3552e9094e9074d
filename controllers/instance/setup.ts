/**
 * The Instance controller: the generic managed reconciler with the instance driver and status mapping.
 * An Instance is not created before the Volumes and Networks it names are Ready (its `dependenciesOf`), so it
 * also watches them: an instance waiting for one of them is retried as soon as it changes. Interfaces that
 * take their address from a Pool (`spec.networks[i].poolRef`) get it from IPAM before the driver creates the
 * machine (pool-connector.ts); an Instance not created yet is retried when a Pool it names appears or changes
 * its spec, and when an address of such a Pool is released.
 */
import type { KubeObject } from '../../schemas/object.js';
import { instanceType, ipAllocationType, poolType } from '../../schemas/index.js';
import type { ApiClient } from '../../src/client/types.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { libvirtInstanceConnector } from '../../src/providers/libvirt/index.js';
import { simInstance, type SimClouds } from '../../src/providers/sim/index.js';
import { generationChanged, type Controller, type Predicate, type Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { libvirtAttachments } from './libvirt-attachments.js';
import { poolAddressedInstances } from './pool-connector.js';
import { poolNics } from './pool-nics.js';
import { keepAllAddresses } from './pool-release.js';
import { instanceDependencies, InstanceReferences, referencedNames, type InstanceReference } from './references.js';
import { instanceStatusFromObserved } from './status.js';

/**
 * The Instance managed kind over `clouds` (the simulated cloud per ProviderConfig). With `client`, interfaces
 * naming a Pool get their address from it; without, `poolRef` is not acted on (tests of the bare kind).
 */
export function instanceKind(clouds: SimClouds, client?: ApiClient): ManagedKind {
  const connector = driverConnector(clouds, simInstance, client ? { libvirt: libvirtInstanceConnector(libvirtAttachments(client)) } : {});
  return {
    type: instanceType,
    prefix: simInstance.prefix,
    connector: client ? poolAddressedInstances(client, connector) : connector,
    observedFields: ['phase', 'powerState', 'hostId', 'addresses'],
    statusFromObserved: instanceStatusFromObserved,
    dependenciesOf: instanceDependencies,
    // A machine left running keeps its pool addresses: they must not be collected with the Instance.
    ...(client ? { onLeftInPlace: async (obj: KubeObject) => void (await keepAllAddresses(client, obj)) } : {}),
  };
}

const requestOf = (i: KubeObject): Request => ({ ...(i.metadata.namespace !== undefined ? { namespace: i.metadata.namespace } : {}), name: i.metadata.name });

function instancesUsing(deps: ManagedControllerDeps, reference: InstanceReference) {
  return (dependency: KubeObject): Request[] =>
    deps.informers
      .informerFor(instanceType)
      .cache.list()
      .filter((i) => i.metadata.namespace === dependency.metadata.namespace && referencedNames(i, reference).includes(dependency.metadata.name))
      .map(requestOf);
}

/** The cached Instances never created yet that take an address from pool `pool` in `namespace`. */
function instancesWaitingOnPool(deps: ManagedControllerDeps, namespace: string | undefined, pool: string | undefined): Request[] {
  if (pool === undefined) return [];
  return deps.informers
    .informerFor(instanceType)
    .cache.list()
    .filter((i) => i.metadata.namespace === namespace && i.status?.['externalName'] === undefined && poolNics(i).some((n) => n.pool === pool))
    .map(requestOf);
}

function poolNameOfAllocation(allocation: KubeObject): string | undefined {
  const ref = allocation.spec?.['poolRef'];
  const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** Only releases free an address; allocations being created or status writes never help a waiting Instance. */
const released: Predicate = (event) => event.type === 'delete';

/** The Instance controller (add it to the Manager, or start it). */
export function setupInstanceController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, instanceKind(clouds, deps.client))
    .watchMapped(InstanceReferences.networks.type, instancesUsing(deps, InstanceReferences.networks))
    .watchMapped(InstanceReferences.volumes.type, instancesUsing(deps, InstanceReferences.volumes))
    .watchMapped(poolType, (pool) => instancesWaitingOnPool(deps, pool.metadata.namespace, pool.metadata.name), { predicate: generationChanged })
    .watchMapped(ipAllocationType, (a) => instancesWaitingOnPool(deps, a.metadata.namespace, poolNameOfAllocation(a)), { predicate: released });
}
