/** The storage-volume XML Converge defines, and what it reads back from `virsh vol-dumpxml`. */
import type { BaseImage } from './images.js';
import { at, attr, buildXml, parseXml, text } from './xml.js';

/** A volume as libvirt reports it. */
export interface VolumeInfo {
  readonly path: string;
  readonly capacityBytes: number;
  readonly allocationBytes: number;
  readonly format: string;
  /** Path of the backing file of a copy-on-write overlay. */
  readonly backingPath?: string;
}

/** XML for `virsh vol-create`: `capacityBytes` in `format`, an overlay on `base` when given (qcow2 only). */
export function volumeXml(name: string, capacityBytes: number, format: string, base?: BaseImage): string {
  return buildXml({
    volume: {
      name,
      capacity: { '@_unit': 'bytes', '#text': String(capacityBytes) },
      target: { format: { '@_type': format } },
      ...(base !== undefined ? { backingStore: { path: base.path, format: { '@_type': base.format } } } : {}),
    },
  });
}

const bytes = (value: string | undefined, unit: string | undefined): number => {
  const n = Number(value ?? 0);
  const scale: Record<string, number> = { bytes: 1, b: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
  return n * (scale[unit ?? 'bytes'] ?? 1);
};

/** Reads `virsh vol-dumpxml` output. */
export function readVolumeXml(xml: string): VolumeInfo {
  const volume = at(parseXml(xml), 'volume');
  const capacity = at(volume, 'capacity');
  const allocation = at(volume, 'allocation');
  const backingPath = text(at(volume, 'backingStore', 'path'));
  return {
    path: text(at(volume, 'target', 'path')) ?? '',
    capacityBytes: bytes(text(capacity), attr(capacity, 'unit')),
    allocationBytes: bytes(text(allocation), attr(allocation, 'unit')),
    format: attr(at(volume, 'target', 'format'), 'type') ?? 'raw',
    ...(backingPath !== undefined && backingPath !== '' ? { backingPath } : {}),
  };
}
