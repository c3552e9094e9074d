/**
 * DHCP host reservations (`<host mac='…' name='…' ip='…'/>` in a libvirt network's `<ip><dhcp>`) for the
 * addresses Converge assigns to Instance NICs, so that libvirt's dnsmasq hands each guest the address its
 * status reports. A network has two definitions, the live one (what dnsmasq serves) and the persistent one
 * (what it serves after a restart of the network); each is read and fixed on its own, with
 * `virsh net-update … --live --config` when both need the same change. An entry belongs to an Instance when
 * its MAC is one of the Instance's uid-derived MACs ({@link macFor}); an entry of anyone else that claims the
 * same address or name is a conflict, reported and never overwritten.
 */
import { parseIp } from '../../../schemas/cidr.js';
import { ConvergeError, ErrorCode } from '../../errors/index.js';
import type { DiffEntry } from '../types.js';
import { macFor } from './domain-xml.js';
import type { Virsh } from './virsh.js';
import { at, attr, buildXml, children, parseXml } from './xml.js';

/** Most NICs an Instance has (the schema's limit on `spec.networks`). */
const MAX_NICS = 16;

/** One `<host>` entry of a network's IPv4 DHCP. */
export interface DhcpHost {
  readonly mac: string;
  readonly ip: string;
  readonly name?: string;
}

/** The reservation NIC `nic` of an Instance wants on libvirt network `network`. */
export interface Reservation extends DhcpHost {
  readonly network: string;
  readonly nic: number;
}

/** The IPv4 DHCP of one definition of a network; undefined when it serves none (bridge mode, DHCP off, IPv6 only). */
export interface DhcpScope {
  /** The network's own address on its bridge (the gateway) and prefix length: its DHCP subnet. */
  readonly address: string;
  readonly prefix: number;
  readonly hosts: readonly DhcpHost[];
}

/** Reads the IPv4 `<ip>` with `<dhcp>` of `virsh net-dumpxml` output. */
export function readDhcpScope(xml: string): DhcpScope | undefined {
  const network = at(parseXml(xml), 'network');
  for (const ip of children(network, 'ip')) {
    const family = attr(ip, 'family');
    if (family !== undefined && family !== 'ipv4') continue;
    const dhcp = at(ip, 'dhcp');
    if (dhcp === undefined) continue;
    const address = attr(ip, 'address') ?? '';
    const prefixText = attr(ip, 'prefix');
    const prefix = prefixText !== undefined ? Number(prefixText) : maskBits(attr(ip, 'netmask'));
    const hosts = children(dhcp, 'host').flatMap((h): DhcpHost[] => {
      const mac = attr(h, 'mac');
      const hostIp = attr(h, 'ip');
      const name = attr(h, 'name');
      return mac === undefined || hostIp === undefined ? [] : [{ mac: mac.toLowerCase(), ip: hostIp, ...(name !== undefined ? { name } : {}) }];
    });
    return { address, prefix, hosts };
  }
  return undefined;
}

function maskBits(netmask: string | undefined): number {
  const parsed = netmask === undefined ? undefined : parseIp(netmask);
  return parsed?.ok === true ? [...parsed.value.value.toString(2)].filter((b) => b === '1').length : 24;
}

/** The `<host/>` element for `net-update` (built, so every value is escaped). */
export function dhcpHostXml(host: DhcpHost): string {
  return buildXml({ host: { '@_mac': host.mac, ...(host.name !== undefined ? { '@_name': host.name } : {}), '@_ip': host.ip } }).trim();
}

/** True when `ip` is an IPv4 address inside the subnet of `scope`. */
export function ipv4Within(ip: string, scope: Pick<DhcpScope, 'address' | 'prefix'>): boolean {
  const address = parseIp(ip);
  const own = parseIp(scope.address);
  if (!address.ok || !own.ok || address.value.family !== 4 || own.value.family !== 4) return false;
  const hostBits = BigInt(32 - scope.prefix);
  return address.value.value >> hostBits === own.value.value >> hostBits;
}

/** The uid-derived MACs an Instance's NICs can have, by NIC index. */
export function ownMacs(uid: string): Map<string, number> {
  return new Map(Array.from({ length: MAX_NICS }, (_, i) => [macFor(uid, i), i] as const));
}

const sameHost = (a: DhcpHost, b: DhcpHost) => a.mac === b.mac && a.ip === b.ip && a.name === b.name;

/** One `net-update` of one network. */
export interface HostChange {
  readonly network: string;
  readonly command: 'delete' | 'add-last';
  readonly host: DhcpHost;
  /** `--live`, `--config` or both. */
  readonly scopes: readonly ('live' | 'config')[];
}

/** What one network needs: changes, drift entries for observe, and conflicts with other parties' entries. */
export interface NetworkPlan {
  readonly changes: HostChange[];
  readonly diff: DiffEntry[];
  readonly conflicts: string[];
}

/** A network's definitions as read for planning: `live` only while the network is active. */
export interface NetworkDhcp {
  readonly network: string;
  readonly live?: DhcpScope;
  readonly config?: DhcpScope;
}

/**
 * Plans network `net` for an Instance whose MACs are `own` and which wants `wanted` there (already filtered to
 * this network). Reservations outside the network's DHCP subnet are skipped: its dnsmasq cannot serve them.
 */
export function planNetwork(net: NetworkDhcp, wanted: readonly Reservation[], own: ReadonlyMap<string, number>): NetworkPlan {
  const changes: HostChange[] = [];
  const conflicts: string[] = [];
  const diff = new Map<string, DiffEntry>();
  const scopes = [['live', net.live], ['config', net.config]] as const;
  for (const [scope, dhcp] of scopes) {
    if (dhcp === undefined) continue;
    const want = wanted.filter((r) => ipv4Within(r.ip, dhcp));
    const ours = dhcp.hosts.filter((h) => own.has(h.mac));
    for (const h of ours) {
      if (want.some((r) => sameHost(r, h))) continue;
      addChange(changes, { network: net.network, command: 'delete', host: h, scopes: [scope] });
      const nic = own.get(h.mac) ?? 0;
      const desired = want.find((r) => r.nic === nic);
      diff.set(`${nic}`, { path: `spec.networks[${nic}].address`, ...(desired !== undefined ? { desired: desired.ip } : {}), observed: `DHCP reservation ${h.ip} for ${h.mac} on ${net.network}` });
    }
    for (const r of want) {
      if (ours.some((h) => sameHost(r, h))) continue;
      const other = dhcp.hosts.find((h) => !own.has(h.mac) && (h.ip === r.ip || (r.name !== undefined && h.name === r.name)));
      if (other !== undefined) {
        const what = other.ip === r.ip ? `address ${r.ip}` : `name ${String(r.name)}`;
        diff.set(`${r.nic}`, { path: `spec.networks[${r.nic}].address`, desired: r.ip, observed: `reserved for MAC ${other.mac} on ${net.network}` });
        conflicts.push(`libvirt network ${net.network} already reserves ${what} for MAC ${other.mac} (${dhcpHostXml(other)}), not for this Instance's NIC ${r.mac}: remove that reservation (virsh net-update ${net.network} delete ip-dhcp-host …) or choose another address for spec.networks[${r.nic}]`);
        continue;
      }
      addChange(changes, { network: net.network, command: 'add-last', host: { mac: r.mac, ip: r.ip, ...(r.name !== undefined ? { name: r.name } : {}) }, scopes: [scope] });
      if (!diff.has(`${r.nic}`)) diff.set(`${r.nic}`, { path: `spec.networks[${r.nic}].address`, desired: r.ip, observed: `no DHCP reservation on ${net.network}` });
    }
  }
  return { changes, diff: [...diff.values()], conflicts: [...new Set(conflicts)] };
}

/** Merges a change into an identical one of the other scope, so both go in one `--live --config` call. */
function addChange(changes: HostChange[], change: HostChange): void {
  const twin = changes.findIndex((c) => c.network === change.network && c.command === change.command && sameHost(c.host, change.host));
  const existing = twin < 0 ? undefined : changes[twin];
  if (existing === undefined) changes.push(change);
  else changes[twin] = { ...existing, scopes: [...existing.scopes, ...change.scopes] };
}

/** Reads both definitions of `network`; undefined when the network does not exist. */
export async function readNetworkDhcp(virsh: Virsh, network: string, signal: AbortSignal): Promise<NetworkDhcp | undefined> {
  const config = await virsh.runIfExists(['net-dumpxml', '--inactive', network], { signal });
  if (config === undefined) return undefined;
  const info = await virsh.runIfExists(['net-info', network], { signal });
  const active = info !== undefined && /^Active:\s+yes$/m.test(info);
  const live = active ? await virsh.runIfExists(['net-dumpxml', network], { signal }) : undefined;
  const configScope = readDhcpScope(config);
  const liveScope = live === undefined ? undefined : readDhcpScope(live);
  return { network, ...(liveScope !== undefined ? { live: liveScope } : {}), ...(configScope !== undefined ? { config: configScope } : {}) };
}

/** Runs one planned change: deletes before adds, so a moved address never collides with its old entry. */
export async function applyChange(virsh: Virsh, change: HostChange, signal: AbortSignal): Promise<void> {
  const flags = change.scopes.map((s) => `--${s}`);
  await virsh.run(['net-update', change.network, change.command, 'ip-dhcp-host', dhcpHostXml(change.host), ...flags], { signal });
}

/** The error for conflicting reservations: retryable, so removing the other entry heals it without a spec change. */
export function reservationConflict(conflicts: readonly string[]): ConvergeError {
  return new ConvergeError(ErrorCode.Conflict, conflicts.join('; '));
}
