/**
 * Every libvirt network on a host with the prefix on its bridge, managed by Converge or not: what the Pool
 * controller's reality check compares its prefixes with. Networks without an address (bridge mode) have none.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { readNetworkXml } from './network-xml.js';
import { libvirtSettings } from './settings.js';
import { Virsh } from './virsh.js';

/** A network on the host and its prefix. */
export interface HostNetwork {
  readonly network: string;
  readonly cidr: string;
}

/** Lists the networks (active or not) of the libvirt host a ProviderConfig names. */
export async function listLibvirtNetworks(providerConfig: KubeObject, signal?: AbortSignal): Promise<HostNetwork[]> {
  const virsh = new Virsh(libvirtSettings(providerConfig).uri);
  const opts = signal ? { signal } : {};
  const names = (await virsh.run(['net-list', '--all', '--name'], opts)).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const out: HostNetwork[] = [];
  for (const network of names) {
    // A network undefined between the list and the read is simply not there any more.
    const xml = await virsh.runIfExists(['net-dumpxml', '--inactive', network], opts);
    const cidr = xml === undefined ? undefined : readNetworkXml(xml).cidr;
    if (cidr !== undefined) out.push({ network, cidr });
  }
  return out;
}
