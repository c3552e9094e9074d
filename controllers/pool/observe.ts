/**
 * What the Pool controller observes: the networks in every provider it can see — the simulated clouds and the
 * hosts of libvirt ProviderConfigs (every libvirt network with an address, managed or not). A libvirt host
 * that cannot be reached contributes no networks this round (its own Networks report it as Synced=False);
 * its networks are seen again on the next observation.
 */
import { providerConfigType } from '../../schemas/index.js';
import { Driver } from '../../schemas/providerconfig.js';
import type { ApiClient } from '../../src/client/types.js';
import { isRetryable } from '../../src/errors/index.js';
import { listLibvirtNetworks } from '../../src/providers/libvirt/index.js';
import { SimKind, type SimClouds } from '../../src/providers/sim/index.js';
import { networkCidr, type ObservedNetwork } from './conflicts.js';

/** How long one libvirt host may take to list its networks before the observation goes on without it. */
const LIBVIRT_LIST_TIMEOUT_MS = 10_000;

/** Every network with a readable CIDR in the providers of the `sim` and `libvirt` drivers. */
export async function observeNetworks(client: ApiClient, clouds: SimClouds): Promise<ObservedNetwork[]> {
  const providers = (await client.list(providerConfigType)).items;
  const simulated = providers
    .filter((pc) => pc.spec?.['driver'] === Driver.Sim)
    .flatMap((pc) =>
      clouds.get(pc.metadata.name).entries(SimKind.Network).flatMap(([network, record]): ObservedNetwork[] => {
        const cidr = networkCidr(record['cidr']);
        return cidr === undefined ? [] : [{ providerRef: pc.metadata.name, network, cidr }];
      }),
    );
  const hosts = await Promise.all(
    providers
      .filter((pc) => pc.spec?.['driver'] === Driver.Libvirt)
      .map(async (pc): Promise<ObservedNetwork[]> => {
        try {
          const networks = await listLibvirtNetworks(pc, AbortSignal.timeout(LIBVIRT_LIST_TIMEOUT_MS));
          return networks.flatMap(({ network, cidr }) => {
            const parsed = networkCidr(cidr);
            return parsed === undefined ? [] : [{ providerRef: pc.metadata.name, network, cidr: parsed }];
          });
        } catch (err) {
          if (isRetryable(err)) return [];
          throw err;
        }
      }),
  );
  return [...simulated, ...hosts.flat()];
}
