/** Volume status from what the driver observed: path, capacity, allocation, attachment. */
import type { JsonObject } from '../../schemas/object.js';
import { isCount, isString, pickStatus } from '../mapping.js';

/** See the module comment. */
export function volumeStatusFromObserved(observed: Record<string, unknown>): JsonObject {
  return pickStatus(observed, { path: isString, capacityBytes: isCount, allocationBytes: isCount, attachedTo: isString });
}
