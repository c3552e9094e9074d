/** The Volume controller: the generic managed reconciler with the volume driver and status mapping. */
import { instanceType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simVolume, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller, Request } from '../../src/runtime/index.js';
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

/** The Volumes an Instance attaches (its `spec.volumes[].volumeRef`), as reconcile requests. */
export function volumesOfInstance(instance: KubeObject): Request[] {
  const volumes = instance.spec?.['volumes'];
  if (!Array.isArray(volumes)) return [];
  return volumes.flatMap((v) => {
    const ref = v !== null && typeof v === 'object' && !Array.isArray(v) ? v['volumeRef'] : undefined;
    const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
    return typeof name === 'string' ? [{ ...(instance.metadata.namespace !== undefined ? { namespace: instance.metadata.namespace } : {}), name }] : [];
  });
}

/**
 * The Volume controller (add it to the Manager, or start it). A Volume's `attachedTo` changes when an Instance
 * attaches or detaches it, so Instance changes re-reconcile the Volumes they name instead of waiting for the poll.
 */
export function setupVolumeController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  const controller = managedController(deps, volumeKind(clouds));
  controller.watchMapped(instanceType, volumesOfInstance);
  return controller;
}
