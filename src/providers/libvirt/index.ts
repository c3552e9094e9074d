/**
 * The libvirt driver: Instances as domains, Volumes as storage volumes, Networks as libvirt networks, on the
 * libvirtd a ProviderConfig names (`spec.endpoint`, default qemu:///system), driven through `virsh`.
 */
import type { ExternalClient, ExternalConnector } from '../types.js';
import { libvirtInstanceClient, type AttachmentResolver } from './domain.js';
import { libvirtNetworkClient } from './network.js';
import { libvirtSettings, type LibvirtSettings } from './settings.js';
import { Virsh } from './virsh.js';
import { libvirtVolumeClient } from './volume.js';

export { LIBVIRT_INSTANCE_PREFIX, powerStateOf, type AttachmentResolver, type InstanceAttachments } from './domain.js';
export { CONVERGE_XMLNS, domainXml, macFor, readDomainXml, type DomainDisk } from './domain-xml.js';
export { libvirtMessage, virshFailure } from './errors.js';
export { resolveImage, type BaseImage } from './images.js';
export { defaultBridgeOf, LIBVIRT_NETWORK_PREFIX } from './network.js';
export { listLibvirtNetworks, type HostNetwork } from './network-list.js';
export { defaultDhcpRange } from '../dhcp-range.js';
export { networkXml, readNetworkXml } from './network-xml.js';
export { DEFAULT_LIBVIRT_URI, libvirtSettings, type LibvirtSettings } from './settings.js';
export { Virsh } from './virsh.js';
export { LIBVIRT_VOLUME_PREFIX } from './volume.js';

function connectorOf(make: (virsh: Virsh, settings: LibvirtSettings) => ExternalClient): ExternalConnector {
  return {
    // Connecting runs nothing: an unreachable libvirtd shows up, with what to do, in the first observe.
    async connect(providerConfig) {
      const settings = libvirtSettings(providerConfig);
      return make(new Virsh(settings.uri), settings);
    },
  };
}

/** Volumes on libvirt storage pools. */
export const libvirtVolumeConnector = (): ExternalConnector => connectorOf(libvirtVolumeClient);
/** Networks as libvirt networks. */
export const libvirtNetworkConnector = (): ExternalConnector => connectorOf(libvirtNetworkClient);
/** Instances as libvirt domains; `resolve` finds the volumes and networks their references name. */
export const libvirtInstanceConnector = (resolve: AttachmentResolver): ExternalConnector =>
  connectorOf((virsh, settings) => libvirtInstanceClient(virsh, settings, resolve));
