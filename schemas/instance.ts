/** Instance: a virtual machine. */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import {
  checkManagedSpec,
  conditionColumns,
  enumValues,
  GROUP,
  localRef,
  managedCategories,
  managedSpecShape,
  managedStatusShape,
  managedWideColumns,
  VERSION,
} from './common.js';
import { ipAddress } from './fields.js';
import { addCause, FieldReason } from './issues.js';

/** How the instance should run. */
export const RunStrategy = { Always: 'Always', Halted: 'Halted' } as const;
export type RunStrategy = (typeof RunStrategy)[keyof typeof RunStrategy];

/** How changes that only take effect at the guest's next boot (vcpus, memory, disks, NICs) reach a running instance. */
export const UpdateStrategy = { InPlace: 'InPlace', Restart: 'Restart' } as const;
export type UpdateStrategy = (typeof UpdateStrategy)[keyof typeof UpdateStrategy];

/** Lifecycle phase reported in `status.phase`. */
export const InstancePhase = {
  Pending: 'Pending',
  Provisioning: 'Provisioning',
  Running: 'Running',
  Stopped: 'Stopped',
  Failed: 'Failed',
  Deleting: 'Deleting',
  Unknown: 'Unknown',
} as const;
export type InstancePhase = (typeof InstancePhase)[keyof typeof InstancePhase];

/** Power state reported by the hypervisor in `status.powerState`. */
export const PowerState = { Running: 'Running', Stopped: 'Stopped', Paused: 'Paused', Crashed: 'Crashed', Unknown: 'Unknown' } as const;
export type PowerState = (typeof PowerState)[keyof typeof PowerState];

/** Largest memory size accepted (4 TiB). */
export const MAX_MEMORY_MIB = 4 * 1024 * 1024;
/** Largest cloud-init user-data accepted, in characters (what most datasources carry). */
export const MAX_USER_DATA = 64 * 1024;

const SSH_KEY_RE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;

const volumeAttachment = z
  .strictObject({
    volumeRef: localRef('Volume to attach, in the same namespace. The first volume is the boot disk.', 'Volume'),
  })
  .describe('A Volume attached to the instance.');

const networkAttachment = z
  .strictObject({
    networkRef: localRef('Network to attach to, in the same namespace.', 'Network'),
    address: ipAddress('Fixed IPv4 or IPv6 address on this network. When absent, DHCP or poolRef decides.').optional(),
    poolRef: localRef('Pool to allocate the address from (the allocation is recorded as an object).', 'Pool').optional(),
  })
  .describe('A network interface of the instance.');

/** Schema of `Instance.spec`. */
export const instanceSpec = z
  .strictObject({
    ...managedSpecShape,
    image: z
      .string()
      .min(1)
      .max(4096)
      .describe('Base image the boot disk is created from: a name known to the provider, a path or a URL. Immutable.'),
    vcpus: z.number().int().min(1).max(256).describe('Number of virtual CPUs, 1 to 256.'),
    memoryMiB: z
      .number()
      .int()
      .min(1)
      .max(MAX_MEMORY_MIB)
      .describe('Memory in MiB (integer, 1024 = 1 GiB), greater than 0 and at most 4 TiB.'),
    volumes: z.array(volumeAttachment).max(32).optional().describe('Volumes to attach, in boot order.'),
    networks: z.array(networkAttachment).max(16).optional().describe('Network interfaces, in order.'),
    runStrategy: z
      .enum(enumValues(RunStrategy))
      .default(RunStrategy.Always)
      .describe('Always: keep the instance running. Halted: keep it stopped. Default Always.'),
    updateStrategy: z
      .enum(enumValues(UpdateStrategy))
      // Not defaulted into stored objects (absent means InPlace), so existing Instances and their diffs stay as they were.
      .optional()
      .describe(
        'InPlace: change the definition and leave a running guest alone; a change it only sees at its next boot is reported as the condition RestartRequired. Restart: restart the guest (graceful shutdown, then power off) when such a change is pending. Absent means InPlace.',
      ),
    userData: z
      .string()
      .max(MAX_USER_DATA)
      .optional()
      .describe('cloud-init user-data passed to the instance at first boot (at most 64 KiB).'),
    sshKeys: z
      .array(
        z
          .string()
          .regex(SSH_KEY_RE, { message: 'must be an OpenSSH public key such as "ssh-ed25519 AAAA... user@host"' })
          .describe('OpenSSH public key, e.g. "ssh-ed25519 AAAA... user@host".'),
      )
      .max(64)
      .optional()
      .describe('OpenSSH public keys authorised for the default user.'),
  })
  .superRefine((spec, ctx) => {
    checkManagedSpec(spec, ctx);
    const volumes = new Map<string, number>();
    (spec.volumes ?? []).forEach((v, i) => {
      const first = volumes.get(v.volumeRef.name);
      if (first !== undefined) {
        addCause(ctx, {
          path: ['volumes', i, 'volumeRef', 'name'],
          reason: FieldReason.Duplicate,
          message: `Duplicate value: volume "${v.volumeRef.name}" is already attached by spec.volumes[${first}]`,
        });
      } else {
        volumes.set(v.volumeRef.name, i);
      }
    });
  })
  .describe('Desired state of a virtual machine.');

const instanceStatusShape = {
  ...managedStatusShape,
  phase: z
    .enum(enumValues(InstancePhase))
    .optional()
    .describe('Lifecycle phase: Pending, Provisioning, Running, Stopped, Failed, Deleting or Unknown.'),
  hostId: z.string().max(1024).optional().describe('Hypervisor host the instance runs on.'),
  addresses: z
    .array(z.string().describe('An IPv4 or IPv6 address.'))
    .max(64)
    .optional()
    .describe('IP addresses of the instance, primary first.'),
  powerState: z
    .enum(enumValues(PowerState))
    .optional()
    .describe('Power state reported by the hypervisor: Running, Stopped, Paused, Crashed or Unknown.'),
};

/** Schema of `Instance.status`. */
export const instanceStatus = z.strictObject(instanceStatusShape).describe('Observed state of a virtual machine.');

/** `Instance.spec` after defaulting. */
export type InstanceSpec = z.output<typeof instanceSpec>;
/** `Instance.spec` as a user may write it (defaults optional). */
export type InstanceSpecInput = z.input<typeof instanceSpec>;
/** `Instance.status`. */
export type InstanceStatus = z.output<typeof instanceStatus>;

/** The Instance kind. */
export const instanceType: ResourceType<typeof instanceSpec, typeof instanceStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'Instance',
  plural: 'instances',
  singular: 'instance',
  shortNames: ['inst'],
  categories: managedCategories,
  namespaced: true,
  description:
    'Instance is a virtual machine on a provider (libvirt, Proxmox, the simulator, ...), built from a base image with attached Volumes and Networks.',
  spec: instanceSpec,
  status: instanceStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'STATE', type: 'string', jsonPath: '.status.powerState', description: 'Power state.', priority: 0 },
    { name: 'VCPUS', type: 'integer', jsonPath: '.spec.vcpus', description: 'Virtual CPUs.', priority: 0 },
    { name: 'MEMORY', type: 'integer', jsonPath: '.spec.memoryMiB', description: 'Memory in MiB.', priority: 0 },
    { name: 'ADDRESS', type: 'string', jsonPath: '.status.addresses[0]', description: 'Primary IP address.', priority: 0 },
    ...managedWideColumns,
    { name: 'HOST', type: 'string', jsonPath: '.status.hostId', description: 'Hypervisor host.', priority: 1 },
    { name: 'IMAGE', type: 'string', jsonPath: '.spec.image', description: 'Base image.', priority: 1 },
  ],
  immutableFields: ['spec.providerRef', 'spec.image'],
};
