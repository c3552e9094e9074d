/**
 * The Instance controller: the generic managed reconciler with the instance driver and status mapping.
 * It also watches Volumes and Networks: an instance waiting for one of them is retried as soon as it changes.
 */
import type { KubeObject } from '../../schemas/object.js';
import { instanceType, networkType, volumeType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simInstance, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller, Request } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { instanceStatusFromObserved } from './status.js';

/** The Instance managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function instanceKind(clouds: SimClouds): ManagedKind {
  return {
    type: instanceType,
    prefix: simInstance.prefix,
    connector: driverConnector(clouds, simInstance),
    observedFields: ['phase', 'powerState', 'hostId', 'addresses'],
    statusFromObserved: instanceStatusFromObserved,
  };
}

/** Names referenced by `spec[list][*][refKey].name`. */
function referenced(instance: KubeObject, list: string, refKey: string): string[] {
  const items = instance.spec?.[list];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    const ref = item[refKey];
    const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

function instancesUsing(deps: ManagedControllerDeps, list: string, refKey: string) {
  return (dependency: KubeObject): Request[] =>
    deps.informers
      .informerFor(instanceType)
      .cache.list()
      .filter((i) => i.metadata.namespace === dependency.metadata.namespace && referenced(i, list, refKey).includes(dependency.metadata.name))
      .map((i) => ({ ...(i.metadata.namespace !== undefined ? { namespace: i.metadata.namespace } : {}), name: i.metadata.name }));
}

/** The Instance controller (add it to the Manager, or start it). */
export function setupInstanceController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, instanceKind(clouds))
    .watchMapped(networkType, instancesUsing(deps, 'networks', 'networkRef'))
    .watchMapped(volumeType, instancesUsing(deps, 'volumes', 'volumeRef'));
}
