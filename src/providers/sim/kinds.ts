/**
 * The four kinds of the SIMULATED cloud: which spec fields each compares, what a new record holds, and how
 * it is reported. Instances take addresses from simulated networks and attach simulated volumes.
 */
import { cidrFirst, formatIp, parseCidr, parseIp } from '../../../schemas/cidr.js';
import type { JsonObject, KubeObject } from '../../../schemas/object.js';
import { UnavailableError } from '../../errors/index.js';
import { defaultDhcpRange, dhcpOf, dhcpRangeFrom } from '../dhcp-range.js';
import { SimKind, type SimCloud, type SimRecord } from './cloud.js';
import { refOf, type SimKindSpec } from './driver.js';

const field = (path: string, key: string, desired: (spec: JsonObject) => unknown = (s) => s[key]) => ({ path, key, desired });
const GIB = 1024 * 1024 * 1024;

/** Simulated volumes: `cv-…`, size, format, pool, source. */
export const simVolume: SimKindSpec = {
  kind: SimKind.Volume,
  prefix: 'cv',
  fields: [field('spec.sizeGiB', 'sizeGiB'), field('spec.format', 'format'), field('spec.storagePool', 'storagePool'), field('spec.source', 'source')],
  build: () => ({}),
  observed(record, name) {
    const size = typeof record['sizeGiB'] === 'number' ? record['sizeGiB'] : 0;
    return {
      path: `/sim/pools/${String(record['storagePool'] ?? 'default')}/${name}.${String(record['format'] ?? 'qcow2')}`,
      capacityBytes: size * GIB,
      allocationBytes: record['format'] === 'raw' ? size * GIB : Math.min(size * GIB, 196_608),
      ...(typeof record['attachedTo'] === 'string' ? { attachedTo: record['attachedTo'] } : {}),
    };
  },
};

/** Simulated buckets: `cb-…`, versioning, tags, lifecycle. */
export const simBucket: SimKindSpec = {
  kind: SimKind.Bucket,
  prefix: 'cb',
  fields: [field('spec.versioning', 'versioning'), field('spec.tags', 'tags'), field('spec.lifecycle', 'lifecycle')],
  build: () => ({}),
  observed: (_record, name) => ({ endpoint: `sim://buckets/${name}`, region: 'sim-1' }),
};

/** Simulated networks: `cn-…`, cidr, bridge, vlan, dhcp. */
export const simNetwork: SimKindSpec = {
  kind: SimKind.Network,
  prefix: 'cn',
  fields: [
    field('spec.cidr', 'cidr', (s) => s['cidr']),
    field('spec.vlan', 'vlan'),
    field('spec.dhcp.enabled', 'dhcp', (s) => dhcpOf(s).enabled),
    field('spec.dhcp.range', 'dhcpRange', (s) => dhcpOf(s).range),
    { path: 'spec.bridge', key: 'bridge', desired: (s: JsonObject) => s['bridge'] },
  ],
  build(obj, _cloud, name) {
    if (typeof obj.spec?.['cidr'] !== 'string') {
      throw new UnavailableError(`network ${obj.metadata.name} has no spec.cidr (pool allocation is not supported by the sim driver yet)`);
    }
    return { defaultBridge: `br-${name.slice(3, 11)}` };
  },
  observed(record) {
    const cidr = typeof record['cidr'] === 'string' ? record['cidr'] : undefined;
    const parsed = cidr === undefined ? undefined : parseCidr(cidr);
    const gateway = parsed?.ok === true ? formatIp({ family: parsed.value.family, value: cidrFirst(parsed.value) + 1n }) : undefined;
    return {
      ...(cidr !== undefined ? { cidr } : {}),
      bridge: typeof record['bridge'] === 'string' ? record['bridge'] : String(record['defaultBridge'] ?? ''),
      ...(gateway !== undefined ? { gateway } : {}),
    };
  },
};

/**
 * Simulated instances: `ci-…`, vcpus, memory, power state from runStrategy, addresses from networks (see
 * `addressFor` below: a simulated DHCP on the network's range, fixed addresses checked for conflicts). A
 * simulated guest takes every change at once, so nothing ever waits for a restart: `spec.updateStrategy` is
 * accepted and has no effect, and RestartRequired is never reported.
 */
export const simInstance: SimKindSpec = {
  kind: SimKind.Instance,
  prefix: 'ci',
  fields: [
    field('spec.vcpus', 'vcpus'),
    field('spec.memoryMiB', 'memoryMiB'),
    field('spec.image', 'image'),
    field('spec.runStrategy', 'powerState', (s) => (s['runStrategy'] === 'Halted' ? 'Stopped' : 'Running')),
  ],
  build: (obj, cloud) => buildInstance(obj, cloud),
  observed: (record) => ({
    powerState: record['powerState'] ?? 'Unknown',
    phase: record['powerState'] === 'Running' ? 'Running' : record['powerState'] === 'Stopped' ? 'Stopped' : 'Unknown',
    hostId: record['hostId'] ?? '',
    addresses: Array.isArray(record['addresses']) ? record['addresses'] : [],
  }),
  beforeDelete(record, cloud) {
    for (const volume of Array.isArray(record['volumes']) ? record['volumes'] : []) {
      if (typeof volume === 'string') cloud.mutate(SimKind.Volume, volume, { attachedTo: null });
    }
  },
};

function refs(obj: KubeObject, list: string, refKey: string): { name: string; address?: string }[] {
  const items = obj.spec?.[list];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    const ref = item[refKey];
    const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
    if (typeof name !== 'string') return [];
    return [{ name, ...(typeof item['address'] === 'string' ? { address: item['address'] } : {}) }];
  });
}

/** Every referenced resource of `kind`, or an UnavailableError naming the first missing one (nothing changed yet). */
function resolveAll(obj: KubeObject, cloud: SimCloud, kind: SimKind, names: readonly string[]): [string, SimRecord][] {
  return names.map((name) => {
    const found = cloud.findByRef(kind, refOf(obj.metadata.namespace, name));
    if (found === undefined) throw new UnavailableError(`${kind.toLowerCase()} "${name}" does not exist in the simulated cloud yet`);
    return found;
  });
}

/** One interface of a simulated instance: the simulated network it is on and its address there, if any. */
interface SimNic {
  readonly network: string;
  readonly address?: string;
}

function canonical(address: string): string {
  const parsed = parseIp(address);
  return parsed.ok ? formatIp(parsed.value) : address;
}

/** Address → holder (`namespace/name`) of every interface on simulated network `netName`, except `ref`'s own. */
function addressesInUse(cloud: SimCloud, netName: string, ref: string): Map<string, string> {
  const used = new Map<string, string>();
  for (const [, record] of cloud.entries(SimKind.Instance)) {
    if (record['ref'] === ref || !Array.isArray(record['nics'])) continue;
    for (const item of record['nics'] as unknown[]) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      const nic = item as Record<string, unknown>;
      if (nic['network'] === netName && typeof nic['address'] === 'string') used.set(canonical(nic['address']), String(record['ref']));
    }
  }
  return used;
}

/**
 * The address an interface gets on a simulated network, as a real network would give it: a fixed (or
 * Pool-allocated) address is refused while another instance's interface holds it; without one, the network's
 * simulated DHCP leases the lowest free address of its range (`spec.dhcp.range`, else the upper half of the
 * CIDR, as on libvirt), and a network with DHCP off leaves the interface without an address.
 */
function addressFor(nic: { name: string; address?: string }, record: SimRecord, used: ReadonlyMap<string, string>): string | undefined {
  if (nic.address !== undefined) {
    const holder = used.get(canonical(nic.address));
    if (holder !== undefined) {
      throw new UnavailableError(`address ${nic.address} on network "${nic.name}" is in use by instance ${holder} (simulated)`);
    }
    return nic.address;
  }
  if (record['dhcp'] === false) return undefined;
  const parsed = parseCidr(String(record['cidr']));
  if (!parsed.ok) throw new UnavailableError(`network "${nic.name}" has no usable cidr`);
  const range = dhcpRangeFrom(record['dhcpRange']) ?? defaultDhcpRange(parsed.value);
  const start = parseIp(range.start);
  const end = parseIp(range.end);
  if (!start.ok || !end.ok) throw new UnavailableError(`network "${nic.name}" has an unusable DHCP range ${range.start}-${range.end}`);
  for (let value = start.value.value; value <= end.value.value; value++) {
    const address = formatIp({ family: parsed.value.family, value });
    if (!used.has(address)) return address;
  }
  throw new UnavailableError(`network "${nic.name}" has no free address in its DHCP range ${range.start}-${range.end} (simulated)`);
}

/** Resolves every dependency first, so a missing one fails the create before anything is changed. */
function buildInstance(obj: KubeObject, cloud: SimCloud): SimRecord {
  const nets = refs(obj, 'networks', 'networkRef');
  const vols = refs(obj, 'volumes', 'volumeRef');
  const networks = resolveAll(obj, cloud, SimKind.Network, nets.map((n) => n.name));
  const volumes = resolveAll(obj, cloud, SimKind.Volume, vols.map((v) => v.name));
  const ref = refOf(obj.metadata.namespace, obj.metadata.name);
  const inUse = new Map<string, Map<string, string>>();
  const nics = nets.map((net, i): SimNic => {
    const [netName, record] = networks[i]!;
    const used = inUse.get(netName) ?? addressesInUse(cloud, netName, ref);
    inUse.set(netName, used);
    const address = addressFor(net, record, used);
    // Two interfaces of this instance on one network get different addresses too.
    if (address !== undefined) used.set(canonical(address), ref);
    return { network: netName, ...(address !== undefined ? { address } : {}) };
  });
  for (const [name] of volumes) cloud.mutate(SimKind.Volume, name, { attachedTo: obj.metadata.name });
  const addresses = nics.flatMap((nic) => (nic.address !== undefined ? [nic.address] : []));
  return { hostId: 'sim-host-1', addresses, nics: nics.map((nic) => ({ ...nic })), volumes: volumes.map(([name]) => name) };
}
