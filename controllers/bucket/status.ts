/** Bucket status from what the driver observed: endpoint and region. */
import type { JsonObject } from '../../schemas/object.js';
import { isString, pickStatus } from '../mapping.js';

/** See the module comment. */
export function bucketStatusFromObserved(observed: Record<string, unknown>): JsonObject {
  return pickStatus(observed, { endpoint: isString, region: isString });
}
