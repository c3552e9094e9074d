/**
 * The libvirt network XML Converge defines and what it reads back from `virsh net-dumpxml`. A managed network
 * is a bridge libvirt creates, with the gateway (first host of the CIDR) on it, NAT/routed/isolated forwarding
 * and optional DHCP; a network on an existing host bridge only attaches guests to it (`forward mode='bridge'`),
 * since addressing there belongs to whatever already serves that bridge.
 */
import { bitsOf, cidrFirst, formatCidr, formatIp, parseCidr, parseIp, type Cidr } from '../../../schemas/cidr.js';
import type { DhcpRange } from '../dhcp-range.js';
import type { XmlNode } from './xml.js';
import { at, attr, buildXml, children, parseXml, text } from './xml.js';

/** A network as Converge wants it or libvirt reports it. */
export interface NetworkShape {
  readonly name: string;
  readonly bridge: string;
  /** `bridge` for an existing host bridge; nat, route, or undefined (isolated) for a managed one. */
  readonly forward?: string;
  readonly cidr?: string;
  readonly gateway?: string;
  /** Set when DHCP is served; undefined when off. */
  readonly dhcp?: DhcpRange;
}

/** Gateway of a prefix: its first host address. */
export function gatewayOf(cidr: Cidr): string {
  return formatIp({ family: cidr.family, value: cidrFirst(cidr) + 1n });
}

/** XML for `virsh net-define`. */
export function networkXml(shape: NetworkShape): string {
  if (shape.forward === 'bridge') {
    return buildXml({ network: { name: shape.name, forward: { '@_mode': 'bridge' }, bridge: { '@_name': shape.bridge } } });
  }
  const parsed = shape.cidr === undefined ? undefined : parseCidr(shape.cidr);
  const cidr = parsed?.ok === true ? parsed.value : undefined;
  const network: XmlNode = {
    name: shape.name,
    bridge: { '@_name': shape.bridge, '@_stp': 'on', '@_delay': '0' },
    ...(shape.forward !== undefined ? { forward: { '@_mode': shape.forward } } : {}),
  };
  if (cidr !== undefined) {
    network['ip'] = {
      ...(cidr.family === 6 ? { '@_family': 'ipv6' } : {}),
      '@_address': gatewayOf(cidr),
      '@_prefix': String(cidr.prefixLength),
      ...(shape.dhcp !== undefined ? { dhcp: { range: { '@_start': shape.dhcp.start, '@_end': shape.dhcp.end } } } : {}),
    };
  }
  return buildXml({ network });
}

function prefixOf(ip: XmlNode, family: 4 | 6): number | undefined {
  const prefix = attr(ip, 'prefix');
  if (prefix !== undefined) return Number(prefix);
  const netmask = attr(ip, 'netmask');
  const mask = netmask === undefined ? undefined : parseIp(netmask);
  if (mask?.ok !== true) return family === 4 ? 24 : 64;
  return [...mask.value.value.toString(2)].filter((bit) => bit === '1').length;
}

function cidrOf(ip: XmlNode | undefined): string | undefined {
  const address = ip === undefined ? undefined : parseIp(attr(ip, 'address') ?? '');
  if (ip === undefined || address?.ok !== true) return undefined;
  const prefixLength = prefixOf(ip, address.value.family) ?? 24;
  const host = BigInt(bitsOf(address.value.family) - prefixLength);
  const network = (address.value.value >> host) << host;
  return formatCidr({ family: address.value.family, network, prefixLength });
}

/** Reads `virsh net-dumpxml` output. */
export function readNetworkXml(xml: string): NetworkShape {
  const network = at(parseXml(xml), 'network');
  const ip = children(network, 'ip')[0];
  const range = ip === undefined ? undefined : children(at(ip, 'dhcp'), 'range')[0];
  const cidr = cidrOf(ip);
  const forward = attr(at(network, 'forward'), 'mode');
  const start = attr(range, 'start');
  const end = attr(range, 'end');
  return {
    name: text(at(network, 'name')) ?? '',
    bridge: attr(at(network, 'bridge'), 'name') ?? '',
    ...(forward !== undefined ? { forward } : {}),
    ...(cidr !== undefined ? { cidr } : {}),
    ...(ip !== undefined && attr(ip, 'address') !== undefined ? { gateway: String(attr(ip, 'address')) } : {}),
    ...(start !== undefined && end !== undefined ? { dhcp: { start, end } } : {}),
  };
}
