/**
 * The Volume controller: the generic managed reconciler with the volume driver and status mapping. A Volume
 * named by an Instance keeps its external disk (and its finalizer) until every such Instance is gone.
 */
import { instanceType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { libvirtVolumeConnector } from '../../src/providers/libvirt/index.js';
import { simVolume, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller, Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { instancesReferencing, InstanceReferences, requestsReferencedBy } from '../instance/references.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { volumeStatusFromObserved } from './status.js';

/** The Volume managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function volumeKind(clouds: SimClouds): ManagedKind {
  return {
    type: volumeType,
    prefix: simVolume.prefix,
    connector: driverConnector(clouds, simVolume, { libvirt: libvirtVolumeConnector() }),
    observedFields: ['path', 'capacityBytes', 'allocationBytes', 'attachedTo'],
    statusFromObserved: volumeStatusFromObserved,
    dependentsOf: instancesReferencing(InstanceReferences.volumes),
  };
}

/** The Volumes an Instance attaches (its `spec.volumes[].volumeRef`), as reconcile requests. */
export const volumesOfInstance: (instance: KubeObject) => Request[] = requestsReferencedBy(InstanceReferences.volumes);

/**
 * The Volume controller (add it to the Manager, or start it). A Volume's `attachedTo` changes when an Instance
 * attaches or detaches it, and a deleting Volume waits for the Instances using it to go, so Instance changes
 * (status included) and deletions re-reconcile the Volumes they name instead of waiting for the poll.
 */
export function setupVolumeController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  const controller = managedController(deps, volumeKind(clouds));
  controller.watchMapped(instanceType, volumesOfInstance);
  return controller;
}
