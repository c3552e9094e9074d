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

/** Simulated instances: `ci-…`, vcpus, memory, power state from runStrategy, addresses from networks. */
export const simInstance: SimKindSpec = {
  kind: SimKind.Instance,
  prefix: 'ci',
  fields: [
    field('spec.vcpus', 'vcpus'),
    field('spec.memoryMiB', 'memoryMiB'),
    field('spec.image', 'image'),
    field('spec.runStrategy', 'powerState', (s) => (s['runStrategy'] === 'Halted' ? 'Stopped' : 'Running')),
  ],
  build(obj, cloud) {
    const volumes = attachVolumes(obj, cloud);
    return { hostId: 'sim-host-1', addresses: assignAddresses(obj, cloud), volumes };
  },
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

function findByRef(cloud: SimCloud, kind: SimKind, ref: string): [string, SimRecord] | undefined {
  return cloud.entries(kind).find(([, record]) => record['ref'] === ref);
}

function assignAddresses(obj: KubeObject, cloud: SimCloud): string[] {
  return refs(obj, 'networks', 'networkRef').map((net) => {
    const found = findByRef(cloud, SimKind.Network, refOf(obj.metadata.namespace, net.name));
    if (found === undefined) throw new UnavailableError(`network "${net.name}" does not exist in the simulated cloud yet`);
    if (net.address !== undefined) return net.address;
    const [netName, record] = found;
    const parsed = parseCidr(String(record['cidr']));
    if (!parsed.ok) throw new UnavailableError(`network "${net.name}" has no usable cidr`);
    const host = typeof record['nextHost'] === 'number' ? record['nextHost'] : 2;
    const value = cidrFirst(parsed.value) + BigInt(host);
    if (value >= cidrLast(parsed.value)) throw new UnavailableError(`network "${net.name}" has no free addresses`);
    cloud.mutate(SimKind.Network, netName, { nextHost: host + 1 });
    return formatIp({ family: parsed.value.family, value });
  });
}

function attachVolumes(obj: KubeObject, cloud: SimCloud): string[] {
  return refs(obj, 'volumes', 'volumeRef').map((vol) => {
    const found = findByRef(cloud, SimKind.Volume, refOf(obj.metadata.namespace, vol.name));
    if (found === undefined) throw new UnavailableError(`volume "${vol.name}" does not exist in the simulated cloud yet`);
    cloud.mutate(SimKind.Volume, found[0], { attachedTo: obj.metadata.name });
    return found[0];
  });
}
