/**
 * The DHCP reservations of one Instance across the libvirt networks its NICs are (or were) on: each NIC with
 * an IPv4 `spec.networks[i].address` (fixed, or filled in from its Pool by the Instance controller) gets
 * `<host mac=macFor(uid, i) name=… ip=…/>` on its network; entries with the Instance's MACs that no NIC asks
 * for any more are removed. Networks without libvirt DHCP (bridge mode, `dhcp.enabled: false`) are left alone.
 */
import type { KubeObject } from '../../../schemas/object.js';
import type { ConvergeError } from '../../errors/index.js';
import type { DiffEntry } from '../types.js';
import { applyChange, ownMacs, planNetwork, readNetworkDhcp, reservationConflict, type HostChange, type Reservation } from './dhcp-hosts.js';
import { macFor } from './domain-xml.js';
import type { Virsh } from './virsh.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host name a reservation carries: the Instance's name when it is a DNS label, else its domain's name. */
export function reservationName(obj: KubeObject, domain: string): string {
  return DNS_LABEL.test(obj.metadata.name) ? obj.metadata.name : domain;
}

/** The reservations `obj` asks for, given the libvirt network of each NIC (spec order). */
export function wantedReservations(obj: KubeObject, networks: readonly string[], domain: string): Reservation[] {
  const uid = obj.metadata.uid ?? obj.metadata.name;
  const nics = Array.isArray(obj.spec?.['networks']) ? obj.spec['networks'] : [];
  return nics.flatMap((nic, i): Reservation[] => {
    const network = networks[i];
    if (network === undefined || nic === null || typeof nic !== 'object' || Array.isArray(nic)) return [];
    const address = nic['address'];
    if (typeof address !== 'string' || !IPV4.test(address)) return [];
    return [{ network, nic: i, mac: macFor(uid, i), ip: address, name: reservationName(obj, domain) }];
  });
}

/** What the Instance's reservations need on the host. */
export interface ReservationPlan {
  readonly changes: readonly HostChange[];
  /** Drift entries (`spec.networks[i].address`) for observe. */
  readonly diff: readonly DiffEntry[];
  /** One sentence per reservation another party's entry blocks. */
  readonly conflicts: readonly string[];
}

/** Options of {@link planReservations}. */
export interface PlanOptions {
  readonly obj: KubeObject;
  readonly wanted: readonly Reservation[];
  /** Further networks to clean of the Instance's entries (those its domain is attached to now). */
  readonly alsoOn?: readonly string[];
  readonly signal: AbortSignal;
}

/** Reads every network concerned and plans its changes; networks that no longer exist are skipped. */
export async function planReservations(virsh: Virsh, options: PlanOptions): Promise<ReservationPlan> {
  const own = ownMacs(options.obj.metadata.uid ?? options.obj.metadata.name);
  const networks = [...new Set([...options.wanted.map((r) => r.network), ...(options.alsoOn ?? [])])].filter((n) => n !== '');
  const changes: HostChange[] = [];
  const diff: DiffEntry[] = [];
  const conflicts: string[] = [];
  for (const network of networks) {
    const dhcp = await readNetworkDhcp(virsh, network, options.signal);
    if (dhcp === undefined) continue;
    const plan = planNetwork(dhcp, options.wanted.filter((r) => r.network === network), own);
    changes.push(...plan.changes);
    for (const d of plan.diff) if (!diff.some((e) => e.path === d.path)) diff.push(d);
    conflicts.push(...plan.conflicts);
  }
  return { changes, diff, conflicts };
}

/**
 * Brings the reservations in line: stale entries are deleted before new ones are added (an address that moved
 * between NICs must not collide with its old entry). Reservations blocked by another party's entry are left
 * out; the returned error (undefined when there is none) names them, for the caller to throw once it has done
 * the rest of its work.
 */
export async function syncReservations(virsh: Virsh, options: PlanOptions): Promise<ConvergeError | undefined> {
  const plan = await planReservations(virsh, options);
  const ordered = [...plan.changes.filter((c) => c.command === 'delete'), ...plan.changes.filter((c) => c.command !== 'delete')];
  for (const change of ordered) await applyChange(virsh, change, options.signal);
  return plan.conflicts.length > 0 ? reservationConflict(plan.conflicts) : undefined;
}
