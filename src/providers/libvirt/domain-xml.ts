/**
 * The domain XML Converge defines for an Instance, and what it reads back from `virsh dumpxml --inactive`
 * (the persistent definition, so `virsh setmaxmem/setvcpus --config` made out of band shows up as drift).
 * Each disk is a libvirt storage volume (`<disk type='volume'>`), each NIC sits on a libvirt network with a
 * MAC derived from the object's uid, so redefining the domain keeps its addresses.
 */
import { createHash } from 'node:crypto';
import { at, attr, buildXml, children, parseXml, text, type XmlNode } from './xml.js';

/** Namespace of the `<metadata>` element Converge writes into its domains. */
export const CONVERGE_XMLNS = 'https://converge.io/xmlns/libvirt/instance/v1';

/** A disk of the domain: a volume in a storage pool. */
export interface DomainDisk {
  readonly pool: string;
  readonly volume: string;
  readonly format: string;
}

/** What Converge defines. */
export interface DomainShape {
  readonly name: string;
  /** kvm or qemu (TCG). */
  readonly type: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly disks: readonly DomainDisk[];
  /** libvirt network names, in NIC order. */
  readonly networks: readonly string[];
  readonly macs: readonly string[];
  /** `spec.image`, kept in the domain's metadata. */
  readonly image: string;
  /** `namespace/name` of the Instance, kept in the domain's metadata. */
  readonly ref: string;
  /** The existing domain's UUID when redefining it. */
  readonly uuid?: string;
}

/** What `dumpxml --inactive` says. */
export interface DomainConfig {
  readonly uuid: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** `pool/volume` (or the file path) of each disk, in order. */
  readonly disks: readonly string[];
  readonly networks: readonly string[];
  readonly macs: readonly string[];
}

/** A stable, locally administered QEMU MAC (52:54:00:…) for NIC `index` of the object with `uid`. */
export function macFor(uid: string, index: number): string {
  const digest = createHash('sha256').update(`${uid}/${index}`).digest();
  return ['52', '54', '00', ...[0, 1, 2].map((i) => (digest[i] ?? 0).toString(16).padStart(2, '0'))].join(':');
}

/** XML for `virsh define`. */
export function domainXml(shape: DomainShape): string {
  const disks = shape.disks.map((d, i): XmlNode => ({
    '@_type': 'volume',
    '@_device': 'disk',
    driver: { '@_name': 'qemu', '@_type': d.format },
    source: { '@_pool': d.pool, '@_volume': d.volume },
    target: { '@_dev': `vd${String.fromCharCode(97 + i)}`, '@_bus': 'virtio' },
  }));
  const interfaces = shape.networks.map((network, i): XmlNode => ({
    '@_type': 'network',
    mac: { '@_address': shape.macs[i] ?? '' },
    source: { '@_network': network },
    model: { '@_type': 'virtio' },
  }));
  return buildXml({
    domain: {
      '@_type': shape.type,
      name: shape.name,
      ...(shape.uuid !== undefined ? { uuid: shape.uuid } : {}),
      metadata: { 'converge:instance': { '@_xmlns:converge': CONVERGE_XMLNS, 'converge:ref': shape.ref, 'converge:image': shape.image } },
      memory: { '@_unit': 'MiB', '#text': String(shape.memoryMiB) },
      currentMemory: { '@_unit': 'MiB', '#text': String(shape.memoryMiB) },
      vcpu: String(shape.vcpus),
      os: { type: { '@_arch': 'x86_64', '#text': 'hvm' }, boot: { '@_dev': 'hd' } },
      features: { acpi: '', apic: '' },
      on_poweroff: 'destroy',
      on_reboot: 'restart',
      on_crash: 'destroy',
      devices: {
        ...(disks.length > 0 ? { disk: disks } : {}),
        ...(interfaces.length > 0 ? { interface: interfaces } : {}),
        serial: { '@_type': 'pty' },
        console: { '@_type': 'pty' },
      },
    },
  });
}

const KIB_PER_UNIT: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, KiB: 1, k: 1, MiB: 1024, M: 1024, GiB: 1024 ** 2, G: 1024 ** 2 };

/** Reads `virsh dumpxml --inactive` output. */
export function readDomainXml(xml: string): DomainConfig {
  const domain = at(parseXml(xml), 'domain');
  const memory = at(domain, 'memory');
  const kib = Number(text(memory) ?? 0) * (KIB_PER_UNIT[attr(memory, 'unit') ?? 'KiB'] ?? 1);
  const devices = at(domain, 'devices');
  const disks = children(devices, 'disk')
    .filter((d) => (attr(d, 'device') ?? 'disk') === 'disk')
    .map((d) => {
      const source = at(d, 'source');
      const pool = attr(source, 'pool');
      const volume = attr(source, 'volume');
      return pool !== undefined && volume !== undefined ? `${pool}/${volume}` : (attr(source, 'file') ?? attr(source, 'dev') ?? '');
    });
  const nics = children(devices, 'interface');
  return {
    uuid: text(at(domain, 'uuid')) ?? '',
    vcpus: Number(text(at(domain, 'vcpu')) ?? 0),
    memoryMiB: Math.round(kib / 1024),
    disks,
    networks: nics.map((n) => attr(at(n, 'source'), 'network') ?? attr(at(n, 'source'), 'bridge') ?? ''),
    macs: nics.map((n) => attr(at(n, 'mac'), 'address') ?? ''),
  };
}
