/** The Bucket controller: the generic managed reconciler with the bucket driver and status mapping. */
import { bucketType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { simBucket, type SimClouds } from '../../src/providers/sim/index.js';
import type { Controller } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { bucketStatusFromObserved } from './status.js';

/** The Bucket managed kind over `clouds` (the simulated cloud per ProviderConfig). */
export function bucketKind(clouds: SimClouds): ManagedKind {
  return {
    type: bucketType,
    prefix: simBucket.prefix,
    connector: driverConnector(clouds, simBucket),
    observedFields: ['endpoint', 'region'],
    statusFromObserved: bucketStatusFromObserved,
  };
}

/** The Bucket controller (add it to the Manager, or start it). */
export function setupBucketController(deps: ManagedControllerDeps, clouds: SimClouds): Controller {
  return managedController(deps, bucketKind(clouds));
}
