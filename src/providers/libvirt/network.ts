/**
 * Networks as libvirt networks: `cn-<uid digits>` on bridge `spec.bridge` (or `cbr-<11 uid digits>`), the
 * gateway and DHCP of `spec.cidr`, forwarding by the ProviderConfig's `options.forwardMode`, autostarted. When
 * `spec.bridge` names a bridge that already exists on the host, the network attaches guests to it instead.
 * Observe reads `net-dumpxml --inactive` and `net-info`, so `virsh net-destroy` (inactive) and a changed
 * address or range are drift; correcting a changed definition restarts the network.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { formatCidr, parseCidr } from '../../../schemas/cidr.js';
import { TerminalError } from '../../errors/index.js';
import { externalNameOf, type DiffEntry, type ExternalClient, type Observation } from '../types.js';
import { defaultDhcpRange, dhcpOf } from '../dhcp-range.js';
import { gatewayOf, networkXml, readNetworkXml, type NetworkShape } from './network-xml.js';
import type { LibvirtSettings } from './settings.js';
import { INPUT_FILE, type Virsh } from './virsh.js';
import { attr, parseXml, at } from './xml.js';

/** External-name prefix of networks (the simulated driver's). */
export const LIBVIRT_NETWORK_PREFIX = 'cn';

/** The bridge a network gets when the spec names none: `cbr-` and 11 digits of its name (15 characters). */
export function defaultBridgeOf(externalName: string): string {
  return `cbr-${externalName.replace(/^cn-/, '').slice(0, 11)}`;
}

/** The network `obj` asks for in managed mode (a libvirt-created bridge). */
function desiredShape(obj: KubeObject, settings: LibvirtSettings): NetworkShape {
  const spec = obj.spec ?? {};
  const name = externalNameOf(obj, LIBVIRT_NETWORK_PREFIX);
  if (typeof spec['vlan'] === 'number') {
    throw new TerminalError(
      `spec.vlan ${spec['vlan']}: libvirt networks on Linux bridges cannot tag VLANs; create a bridge on a VLAN interface on the host and name it in spec.bridge`,
    );
  }
  const parsed = typeof spec['cidr'] === 'string' ? parseCidr(spec['cidr']) : undefined;
  if (parsed?.ok !== true) throw new TerminalError(`network ${obj.metadata.name} has no usable spec.cidr yet (a Pool allocation fills it in)`);
  const dhcp = dhcpOf(spec);
  return {
    name,
    bridge: typeof spec['bridge'] === 'string' ? spec['bridge'] : defaultBridgeOf(name),
    ...(settings.forwardMode !== 'isolated' ? { forward: settings.forwardMode } : {}),
    cidr: formatCidr(parsed.value),
    gateway: gatewayOf(parsed.value),
    ...(dhcp.enabled ? { dhcp: dhcp.range ?? defaultDhcpRange(parsed.value) } : {}),
  };
}

function diffShapes(obj: KubeObject, desired: NetworkShape, observed: NetworkShape): DiffEntry[] {
  const diff: DiffEntry[] = [];
  const entry = (path: string, want: unknown, have: unknown) => {
    if (JSON.stringify(want ?? null) !== JSON.stringify(have ?? null)) diff.push({ path, ...(want !== undefined ? { desired: want } : {}), ...(have !== undefined ? { observed: have } : {}) });
  };
  if (typeof obj.spec?.['bridge'] === 'string') entry('spec.bridge', desired.bridge, observed.bridge);
  // On an existing host bridge, addressing is not libvirt's: only the bridge is compared.
  if (observed.forward === 'bridge') return diff;
  entry('spec.cidr', desired.cidr, observed.cidr);
  entry('spec.dhcp.enabled', desired.dhcp !== undefined, observed.dhcp !== undefined);
  if (desired.dhcp !== undefined && observed.dhcp !== undefined) entry('spec.dhcp.range', desired.dhcp, observed.dhcp);
  return diff;
}

/** The Network {@link ExternalClient} over one libvirt connection. */
export function libvirtNetworkClient(virsh: Virsh, settings: LibvirtSettings): ExternalClient {
  const read = async (name: string, signal: AbortSignal) => {
    const xml = await virsh.runIfExists(['net-dumpxml', '--inactive', name], { signal });
    if (xml === undefined) return undefined;
    const info = await virsh.run(['net-info', name], { signal });
    return { shape: readNetworkXml(xml), active: /^Active:\s+yes$/m.test(info) };
  };
  const isHostBridge = async (bridge: string, signal: AbortSignal): Promise<boolean> => {
    const xml = await virsh.runIfExists(['iface-dumpxml', bridge], { signal });
    return xml !== undefined && attr(at(parseXml(xml), 'interface'), 'type') === 'bridge';
  };
  const start = async (name: string, signal: AbortSignal) => {
    await virsh.run(['net-autostart', name], { signal });
    await virsh.run(['net-start', name], { signal });
  };
  return {
    async observe(obj, signal): Promise<Observation<Record<string, unknown>>> {
      const name = externalNameOf(obj, LIBVIRT_NETWORK_PREFIX);
      const found = await read(name, signal);
      if (found === undefined) return { exists: false, upToDate: false, diff: [] };
      const diff = diffShapes(obj, desiredShape(obj, settings), found.shape);
      if (!found.active) diff.push({ path: 'active', desired: true, observed: false });
      const { cidr, gateway, bridge } = found.shape;
      const observed = { bridge, ...(cidr !== undefined ? { cidr } : { cidr: obj.spec?.['cidr'] }), ...(gateway !== undefined ? { gateway } : {}) };
      return { exists: true, upToDate: diff.length === 0, diff, observed };
    },
    async create(obj, signal) {
      const desired = desiredShape(obj, settings);
      const found = await read(desired.name, signal);
      if (found === undefined) {
        const existingBridge = typeof obj.spec?.['bridge'] === 'string' && (await isHostBridge(desired.bridge, signal));
        const shape: NetworkShape = existingBridge ? { name: desired.name, bridge: desired.bridge, forward: 'bridge' } : desired;
        await virsh.run(['net-define', INPUT_FILE], { signal, input: networkXml(shape) });
      }
      if (found?.active !== true) await start(desired.name, signal);
      return { externalName: desired.name };
    },
    async update(obj, diff, signal) {
      const desired = desiredShape(obj, settings);
      const found = await read(desired.name, signal);
      if (found === undefined) return; // gone meanwhile: the next observe reports it and the reconciler recreates it
      if (diff.some((d) => d.path !== 'active')) {
        const shape: NetworkShape = found.shape.forward === 'bridge' ? { ...found.shape, bridge: desired.bridge } : desired;
        if (found.active) await virsh.run(['net-destroy', desired.name], { signal });
        await virsh.run(['net-define', INPUT_FILE], { signal, input: networkXml(shape) });
        await start(desired.name, signal);
      } else if (!found.active) {
        await start(desired.name, signal);
      }
    },
    async delete(obj, signal) {
      const name = externalNameOf(obj, LIBVIRT_NETWORK_PREFIX);
      const found = await read(name, signal);
      if (found === undefined) return;
      if (found.active) await virsh.runIfExists(['net-destroy', name], { signal });
      await virsh.runIfExists(['net-undefine', name], { signal });
    },
  };
}
