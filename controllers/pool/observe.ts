/** What the Pool controller observes: the networks in every provider it can see (the simulated clouds for now). */
import { providerConfigType } from '../../schemas/index.js';
import type { ApiClient } from '../../src/client/types.js';
import { SimKind, type SimClouds } from '../../src/providers/sim/index.js';
import { networkCidr, type ObservedNetwork } from './conflicts.js';

/**
 * Every network with a readable CIDR in the sim cloud of each ProviderConfig whose driver is `sim`.
 * Backends of other drivers are not observed yet (their drivers have no list operation).
 */
export async function observeNetworks(client: ApiClient, clouds: SimClouds): Promise<ObservedNetwork[]> {
  const providers = (await client.list(providerConfigType)).items.filter((pc) => pc.spec?.['driver'] === 'sim');
  return providers.flatMap((pc) =>
    clouds.get(pc.metadata.name).entries(SimKind.Network).flatMap(([network, record]): ObservedNetwork[] => {
      const cidr = networkCidr(record['cidr']);
      return cidr === undefined ? [] : [{ providerRef: pc.metadata.name, network, cidr }];
    }),
  );
}
