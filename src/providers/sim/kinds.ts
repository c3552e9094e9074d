/**
 * The four kinds of the SIMULATED cloud: which spec fields each compares, what a new record holds, and how
 * it is reported. Instances take addresses from simulated networks and attach simulated volumes.
 */
import { cidrFirst, cidrLast, formatIp, parseCidr } from '../../../schemas/cidr.js';
import type { JsonObject, KubeObject } from '../../../schemas/object.js';
import { UnavailableError } from '../../errors/index.js';
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
    field('spec.dhcp.enabled', 'dhcp', (s) => dhcpEnabled(s)),
    { path: 'spec.bridge', key: 'bridge', desired: (s: JsonObject) => s['bridge'] },
  ],
  build(obj, _cloud, name) {
    if (typeof obj.spec?.['cidr'] !== 'string') {
      throw new UnavailableError(`network ${obj.metadata.name} has no spec.cidr (pool allocation is not supported by the sim driver yet)`);
    }
    return { nextHost: 2, defaultBridge: `br-${name.slice(3, 11)}` };
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

function dhcpEnabled(spec: JsonObject): boolean {
  const dhcp = spec['dhcp'];
  return !(dhcp !== null && typeof dhcp === 'object' && !Array.isArray(dhcp) && dhcp['enabled'] === false);
}

/**
 * Simulated instances: `ci-…`, vcpus, memory, power state from runStrategy, addresses from networks. A
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

/** Resolves every dependency first, so a missing one fails the create before anything is changed. */
function buildInstance(obj: KubeObject, cloud: SimCloud): SimRecord {
  const nets = refs(obj, 'networks', 'networkRef');
  const vols = refs(obj, 'volumes', 'volumeRef');
  const networks = resolveAll(obj, cloud, SimKind.Network, nets.map((n) => n.name));
  const volumes = resolveAll(obj, cloud, SimKind.Volume, vols.map((v) => v.name));
  const addresses = nets.map((net, i) => net.address ?? nextAddress(cloud, net.name, networks[i]!));
  for (const [name] of volumes) cloud.mutate(SimKind.Volume, name, { attachedTo: obj.metadata.name });
  return { hostId: 'sim-host-1', addresses, volumes: volumes.map(([name]) => name) };
}

function nextAddress(cloud: SimCloud, refName: string, [netName, record]: [string, SimRecord]): string {
  const parsed = parseCidr(String(record['cidr']));
  if (!parsed.ok) throw new UnavailableError(`network "${refName}" has no usable cidr`);
  // Re-read: an earlier interface of the same instance may have taken an address from this network.
  const current = cloud.peek(SimKind.Network, netName) ?? record;
  const host = typeof current['nextHost'] === 'number' ? current['nextHost'] : 2;
  const value = cidrFirst(parsed.value) + BigInt(host);
  if (value >= cidrLast(parsed.value)) throw new UnavailableError(`network "${refName}" has no free addresses`);
  cloud.mutate(SimKind.Network, netName, { nextHost: host + 1 });
  return formatIp({ family: parsed.value.family, value });
}
