/**
 * The Bucket controller: the generic managed reconciler with the bucket drivers (the simulated cloud, and s3
 * for ProviderConfigs with `driver: s3`) and the status mapping.
 */
import { bucketType } from '../../schemas/index.js';
import type { ManagedKind } from '../../src/managed/index.js';
import { s3BucketConnector } from '../../src/providers/s3/index.js';
import { simBucket, type SimClouds } from '../../src/providers/sim/index.js';
import type { ExternalConnector } from '../../src/providers/types.js';
import type { Controller } from '../../src/runtime/index.js';
import { driverConnector } from '../connector.js';
import { managedController, type ManagedControllerDeps } from '../managed.js';
import { bucketStatusFromObserved } from './status.js';

/** Options of {@link bucketKind}. */
export interface BucketKindOptions {
  /** The s3 driver; a fresh {@link s3BucketConnector} (with its own client cache) when absent. */
  readonly s3?: ExternalConnector;
}

/** The Bucket managed kind over `clouds` (the simulated cloud per ProviderConfig) and the s3 driver. */
export function bucketKind(clouds: SimClouds, options: BucketKindOptions = {}): ManagedKind {
  return {
    type: bucketType,
    // The reconciler and the s3 driver must derive the same bucket name (both are `cb`; a test checks it).
    prefix: simBucket.prefix,
    connector: driverConnector(clouds, simBucket, { s3: options.s3 ?? s3BucketConnector() }),
    observedFields: ['endpoint', 'region'],
    statusFromObserved: bucketStatusFromObserved,
  };
}

/** The Bucket controller (add it to the Manager, or start it). */
export function setupBucketController(deps: ManagedControllerDeps, clouds: SimClouds, options: BucketKindOptions = {}): Controller {
  return managedController(deps, bucketKind(clouds, options));
}
