/**
 * Wraps an instance driver's connector so pool-backed interfaces work with any driver: before `create` the
 * addresses are allocated (see pool-address.ts) and the driver sees `spec.networks[i].address` filled in;
 * `observe` and `update` see the addresses already held (never allocating: the create intent is on record
 * before `create` runs, so an Instance deleted before that holds nothing and the deletion path, which
 * observes before letting go, always runs for one that holds some). Addresses are released when an observe
 * of a deleting Instance finds its machine gone (the reconciler observes again right after deleting), and
 * when the spec stops asking for them (see pool-release.ts).
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ApiClient } from '../../src/client/types.js';
import type { ExternalClient, ExternalConnector } from '../../src/providers/types.js';
import { HeldAddresses } from './held-addresses.js';
import { allocateNicAddresses, heldNicAddresses, withNicAddresses } from './pool-address.js';
import { poolNics } from './pool-nics.js';
import { mayHoldStaleAddresses, releaseAllAddresses, releaseStaleAddresses } from './pool-release.js';

const isDeleting = (obj: KubeObject) => obj.metadata.deletionTimestamp !== undefined;

/** See the module comment. */
export function poolAddressedInstances(client: ApiClient, inner: ExternalConnector): ExternalConnector {
  const held = new HeldAddresses();
  // Before the first successful create there is no machine whose interfaces could differ: skip the lookups
  // (an Instance waiting for a free address would otherwise list its pools on every retry twice).
  const withHeld = async (obj: KubeObject) =>
    poolNics(obj).length === 0 || obj.status?.['externalName'] === undefined ? obj : withNicAddresses(obj, await heldNicAddresses(client, obj, { held }));
  return {
    async connect(providerConfig, signal, credentials) {
      const driver: ExternalClient = await inner.connect(providerConfig, signal, credentials);
      return {
        async observe(obj, s) {
          if (isDeleting(obj)) {
            const observation = await driver.observe(obj, s);
            if (!observation.exists) await releaseAllAddresses(client, obj, held);
            return observation;
          }
          if (mayHoldStaleAddresses(obj)) await releaseStaleAddresses(client, obj, held);
          return driver.observe(await withHeld(obj), s);
        },
        async create(obj, s) {
          const addresses = poolNics(obj).length === 0 ? new Map<number, string>() : await allocateNicAddresses(client, obj, { held });
          return driver.create(withNicAddresses(obj, addresses), s);
        },
        update: async (obj, diff, s) => driver.update(await withHeld(obj), diff, s),
        // Released only once an observe sees the machine gone: a driver may return while deletion is in progress.
        delete: async (obj, s) => driver.delete(obj, s),
      };
    },
  };
}
