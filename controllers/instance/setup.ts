/**
 * The Instance controller: the generic managed reconciler with the instance driver and status mapping.
 * An Instance is not created before the Volumes and Networks it names are Ready (its `dependenciesOf`), so it
 * also watches them: an instance waiting for one of them is retried as soon as it changes.
 */
import type { KubeObject } from '../../schemas/object.js';
import { instanceType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simInstance, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller, Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { instanceDependencies, InstanceReferences, referencedNames, type InstanceReference } from './references.js';
import { instanceStatusFromObserved } from './status.js';

/** The Instance managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function instanceKind(clouds: SimClouds): ManagedKind {
  return {
    type: instanceType,
    prefix: simInstance.prefix,
    connector: driverConnector(clouds, simInstance),
    observedFields: ['phase', 'powerState', 'hostId', 'addresses'],
    statusFromObserved: instanceStatusFromObserved,
    dependenciesOf: instanceDependencies,
  };
}

function instancesUsing(deps: ManagedControllerDeps, reference: InstanceReference) {
  return (dependency: KubeObject): Request[] =>
    deps.informers
      .informerFor(instanceType)
      .cache.list()
      .filter((i) => i.metadata.namespace === dependency.metadata.namespace && referencedNames(i, reference).includes(dependency.metadata.name))
      .map((i) => ({ ...(i.metadata.namespace !== undefined ? { namespace: i.metadata.namespace } : {}), name: i.metadata.name }));
}

/** The Instance controller (add it to the Manager, or start it). */
export function setupInstanceController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, instanceKind(clouds))
    .watchMapped(InstanceReferences.networks.type, instancesUsing(deps, InstanceReferences.networks))
    .watchMapped(InstanceReferences.volumes.type, instancesUsing(deps, InstanceReferences.volumes));
}
