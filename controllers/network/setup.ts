/**
 * The Network controller: the generic managed reconciler with the network driver and status mapping. A Network
 * named by an Instance keeps its external network (and its finalizer) until every such Instance is gone.
 */
import { instanceType, networkType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simNetwork, type SimClouds } from '../../src/providers/sim/index.js';
import { generationChanged, type Controller, type Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { instancesReferencing, InstanceReferences, requestsReferencedBy } from '../instance/references.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { networkStatusFromObserved } from './status.js';
import { poolBackedNetworks } from './pool-cidr.js';
import type { ApiClient } from '../../src/client/types.js';

/** The Network managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function networkKind(clouds: SimClouds, client?: ApiClient): ManagedKind {
  const connector = driverConnector(clouds, simNetwork);
  return {
    type: networkType,
    prefix: simNetwork.prefix,
    connector: client ? poolBackedNetworks(client, connector) : connector,
    observedFields: ['cidr', 'bridge', 'gateway'],
    statusFromObserved: networkStatusFromObserved,
    dependentsOf: instancesReferencing(InstanceReferences.networks),
  };
}

/** The Networks an Instance attaches to (its `spec.networks[].networkRef`), as reconcile requests. */
export const networksOfInstance: (instance: KubeObject) => Request[] = requestsReferencedBy(InstanceReferences.networks);

/**
 * The Network controller (add it to the Manager, or start it). A deleting Network waits for the Instances
 * using it, so an Instance's deletion (or a spec change dropping the Network) re-reconciles the Networks it
 * names; its status writes do not, since nothing a Network reports depends on them.
 */
export function setupNetworkController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, networkKind(clouds, deps.client)).watchMapped(instanceType, networksOfInstance, { predicate: generationChanged });
}
