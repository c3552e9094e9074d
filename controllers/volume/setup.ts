/** The Volume controller: the generic managed reconciler with the volume driver and status mapping. */
import { volumeType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simVolume, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { volumeStatusFromObserved } from './status.js';

/** The Volume managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function volumeKind(clouds: SimClouds): ManagedKind {
  return {
    type: volumeType,
    prefix: simVolume.prefix,
    connector: driverConnector(clouds, simVolume),
    observedFields: ['path', 'capacityBytes', 'allocationBytes', 'attachedTo'],
    statusFromObserved: volumeStatusFromObserved,
  };
}

/** The Volume controller (add it to the Manager, or start it). */
export function setupVolumeController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, volumeKind(clouds));
}
