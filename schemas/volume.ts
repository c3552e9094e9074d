/** Volume: a virtual disk in a provider's storage pool. */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import {
  checkManagedSpec,
  conditionColumns,
  enumValues,
  GROUP,
  managedCategories,
  managedSpecShape,
  managedStatusShape,
  managedWideColumns,
  VERSION,
} from './common.js';

/** Disk image formats. */
export const VolumeFormat = { Qcow2: 'qcow2', Raw: 'raw' } as const;
export type VolumeFormat = (typeof VolumeFormat)[keyof typeof VolumeFormat];

/** Largest volume accepted (64 TiB). */
export const MAX_VOLUME_GIB = 64 * 1024;

/** Schema of `Volume.spec`. */
export const volumeSpec = z
  .strictObject({
    ...managedSpecShape,
    sizeGiB: z
      .number()
      .int()
      .min(1)
      .max(MAX_VOLUME_GIB)
      .meta({ 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'volumes can grow but not shrink' }] })
      .describe('Size in GiB (integer, greater than 0, at most 65536). Can grow but never shrink.'),
    format: z
      .enum(enumValues(VolumeFormat))
      .default(VolumeFormat.Qcow2)
      .describe('Disk format: qcow2 (thin, supports copy-on-write from source) or raw. Default qcow2. Immutable.'),
    source: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('Base image to create the volume from (copy-on-write for qcow2): a name known to the provider, a path or a URL. Immutable.'),
    storagePool: z
      .string()
      .min(1)
      .max(253)
      .default('default')
      .describe('Storage pool on the provider that holds the volume. Default "default". Immutable.'),
  })
  .superRefine(checkManagedSpec)
  .describe('Desired state of a virtual disk.');

/** Schema of `Volume.status`. */
export const volumeStatus = z
  .strictObject({
    ...managedStatusShape,
    path: z.string().max(4096).optional().describe('Path or id of the volume in the backend.'),
    capacityBytes: z.number().int().min(0).optional().describe('Capacity as seen by the backend, in bytes.'),
    allocationBytes: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Bytes actually allocated in the storage pool (less than capacity for thin volumes).'),
    attachedTo: z.string().max(253).optional().describe('Name of the Instance the volume is attached to, if any.'),
  })
  .describe('Observed state of a virtual disk.');

/** `Volume.spec` after defaulting. */
export type VolumeSpec = z.output<typeof volumeSpec>;
/** `Volume.spec` as a user may write it. */
export type VolumeSpecInput = z.input<typeof volumeSpec>;
/** `Volume.status`. */
export type VolumeStatus = z.output<typeof volumeStatus>;

/** The Volume kind. */
export const volumeType: ResourceType<typeof volumeSpec, typeof volumeStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'Volume',
  plural: 'volumes',
  singular: 'volume',
  shortNames: ['vol'],
  categories: managedCategories,
  namespaced: true,
  description: 'Volume is a virtual disk in a storage pool of a provider, optionally a copy-on-write clone of a base image.',
  spec: volumeSpec,
  status: volumeStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'SIZE', type: 'integer', jsonPath: '.spec.sizeGiB', description: 'Size in GiB.', priority: 0 },
    { name: 'FORMAT', type: 'string', jsonPath: '.spec.format', description: 'Disk format.', priority: 0 },
    { name: 'ATTACHED-TO', type: 'string', jsonPath: '.status.attachedTo', description: 'Instance using the volume.', priority: 0 },
    ...managedWideColumns,
    { name: 'POOL', type: 'string', jsonPath: '.spec.storagePool', description: 'Storage pool.', priority: 1 },
    { name: 'PATH', type: 'string', jsonPath: '.status.path', description: 'Path or id in the backend.', priority: 1 },
  ],
  immutableFields: ['spec.providerRef', 'spec.format', 'spec.source', 'spec.storagePool'],
};
