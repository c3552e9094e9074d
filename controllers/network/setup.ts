/** The Network controller: the generic managed reconciler with the network driver and status mapping. */
import { networkType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simNetwork, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
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
  };
}

/** The Network controller (add it to the Manager, or start it). */
export function setupNetworkController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, networkKind(clouds, deps.client));
}
