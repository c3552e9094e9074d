/** Instance status from what the driver observed: phase, power state, host and addresses. */
import type { JsonObject } from '../../schemas/object.js';
import { InstancePhase, PowerState } from '../../schemas/instance.js';
import { isString, isStringList, oneOf, pickStatus } from '../mapping.js';

/** See the module comment. */
export function instanceStatusFromObserved(observed: Record<string, unknown>): JsonObject {
  return pickStatus(observed, {
    phase: oneOf(Object.values(InstancePhase)),
    powerState: oneOf(Object.values(PowerState)),
    hostId: isString,
    addresses: isStringList,
  });
}
