/** Network status from what the driver observed: prefix in use, bridge and gateway. */
import type { JsonObject } from '../../schemas/object.js';
import { isString, pickStatus } from '../mapping.js';

/** See the module comment. */
export function networkStatusFromObserved(observed: Record<string, unknown>): JsonObject {
  return pickStatus(observed, { cidr: isString, bridge: isString, gateway: isString });
}
