/**
 * Changes a running guest only sees at its next boot. Redefining a running domain changes its persistent
 * definition (`dumpxml --inactive`) while the guest keeps running with the live one (`dumpxml`); the fields
 * Converge manages that differ between the two are pending, reported as the condition `RestartRequired`, and
 * under `spec.updateStrategy: Restart` applied by restarting the guest.
 */
import { ConditionStatus, ConditionType } from '../../../schemas/common.js';
import type { KubeObject } from '../../../schemas/object.js';
import type { ConditionInput } from '../../runtime/conditions.js';
import type { DomainConfig } from './domain-xml.js';

/** Reason of RestartRequired=True. */
export const PENDING_CONFIG_CHANGE = 'PendingConfigChange';
/** Reason of RestartRequired=False. */
export const NO_PENDING_CHANGE = 'NoPendingChange';

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const listText = (xs: readonly string[]) => `[${xs.join(', ')}]`;
const nicsOf = (c: DomainConfig) => c.networks.map((n, i) => `${n} ${c.macs[i] ?? ''}`.trim());

/** The pending changes from the `live` definition to the persistent `next` one, e.g. `vcpus 1→2`. */
export function pendingChanges(live: DomainConfig, next: DomainConfig): string[] {
  const pending: string[] = [];
  if (live.vcpus !== next.vcpus) pending.push(`vcpus ${live.vcpus}→${next.vcpus}`);
  if (live.memoryMiB !== next.memoryMiB) pending.push(`memoryMiB ${live.memoryMiB}→${next.memoryMiB}`);
  if (!sameList(live.disks, next.disks)) pending.push(`volumes ${listText(live.disks)}→${listText(next.disks)}`);
  if (!sameList(nicsOf(live), nicsOf(next))) pending.push(`networks ${listText(nicsOf(live))}→${listText(nicsOf(next))}`);
  return pending;
}

/** RestartRequired: True naming the pending changes, False when there are none. */
export function restartRequired(pending: readonly string[]): ConditionInput {
  if (pending.length === 0) return { type: ConditionType.RestartRequired, status: ConditionStatus.False, reason: NO_PENDING_CHANGE };
  return {
    type: ConditionType.RestartRequired,
    status: ConditionStatus.True,
    reason: PENDING_CONFIG_CHANGE,
    message: `${pending.join(', ')} take effect at the next restart: restart the guest, or set spec.updateStrategy: Restart to let Converge do it`,
  };
}

/** True when the Instance asks Converge to restart its guest for pending changes (`spec.updateStrategy: Restart`). */
export function restartsForChanges(obj: KubeObject): boolean {
  return obj.spec?.['updateStrategy'] === 'Restart';
}
