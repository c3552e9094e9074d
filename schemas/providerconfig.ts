/** ProviderConfig: how to reach one backend (driver, endpoint, credentials, limits). Cluster-scoped. */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { conditionColumns, enumValues, GROUP, plainCategories, statusShape, VERSION } from './common.js';
import { objectName, pollInterval, timestamp } from './fields.js';
import { DNS1123_LABEL_HELP, DNS1123_LABEL_RE } from './names.js';

/** Drivers Converge knows. `sim` is the in-process simulated cloud. */
export const Driver = {
  Sim: 'sim',
  Libvirt: 'libvirt',
  S3: 's3',
  Proxmox: 'proxmox',
  CloudStack: 'cloudstack',
  Aws: 'aws',
} as const;
export type Driver = (typeof Driver)[keyof typeof Driver];

/** Default number of concurrent external calls per ProviderConfig. */
export const DEFAULT_MAX_CONCURRENT = 4;

function isUri(text: string): boolean {
  try {
    return new URL(text).protocol.length > 1;
  } catch {
    return false;
  }
}

const secretRef = z
  .strictObject({
    name: objectName('Name of the Secret.'),
    namespace: z
      .string()
      .max(63)
      .regex(DNS1123_LABEL_RE, { message: `must be a DNS-1123 label: ${DNS1123_LABEL_HELP}` })
      .describe('Namespace of the Secret.'),
    key: z
      .string()
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/, { message: "must consist of letters, digits, '-', '_' or '.'" })
      .optional()
      .describe('Key within the Secret; the driver\'s default keys are used when absent.'),
  })
  .describe('Secret holding the credentials (token, password or access keys).');

const concurrency = z
  .strictObject({
    maxConcurrent: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(DEFAULT_MAX_CONCURRENT)
      .describe('Most external calls in flight at once for this provider. Default 4.'),
    maxConcurrentPerHost: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe('Most calls in flight at once against one hypervisor host (backends that lock per host, e.g. Proxmox).'),
    maxConcurrentPerStoragePool: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe('Most calls in flight at once against one storage pool.'),
  })
  .describe('Limits that keep Converge from stampeding the backend.');

/** Schema of `ProviderConfig.spec`. */
export const providerConfigSpec = z
  .strictObject({
    driver: z
      .enum(enumValues(Driver))
      .describe('Backend driver: sim (simulated cloud for trials and tests), libvirt, s3, proxmox, cloudstack or aws.'),
    endpoint: z
      .string()
      .max(4096)
      .refine(isUri, { message: 'must be a URL or URI such as "https://pve.example.com:8006" or "qemu+ssh://root@host/system"' })
      .optional()
      .describe('Where the backend listens, e.g. qemu:///system, https://pve.example.com:8006, http://127.0.0.1:9000. Driver default when absent.'),
    region: z.string().max(255).optional().describe('Region, for drivers that have them (s3, aws).'),
    credentialsSecretRef: secretRef.optional(),
    concurrency: concurrency.prefault({}),
    pollInterval: pollInterval('1m', 'How often the backend is probed for reachability and version, e.g. 30s, 1m. Default 1m.'),
    options: z
      .record(
        z.string().min(1).max(253).describe('Option name.'),
        z.string().max(4096).describe('Option value.'),
      )
      .optional()
      .describe('Driver-specific settings as strings, e.g. sim: latencyMs, failureRate; s3: forcePathStyle.'),
  })
  .describe('How to reach one backend.');

/** Schema of `ProviderConfig.status`. */
export const providerConfigStatus = z
  .strictObject({
    ...statusShape,
    reachable: z.boolean().optional().describe('Whether the last probe reached the backend.'),
    version: z.string().max(1024).optional().describe('Backend version reported by the last successful probe.'),
    lastProbeTime: timestamp('When the backend was last probed.').optional(),
  })
  .describe('Observed state of the backend connection.');

/** `ProviderConfig.spec` after defaulting. */
export type ProviderConfigSpec = z.output<typeof providerConfigSpec>;
/** `ProviderConfig.spec` as a user may write it. */
export type ProviderConfigSpecInput = z.input<typeof providerConfigSpec>;
/** `ProviderConfig.status`. */
export type ProviderConfigStatus = z.output<typeof providerConfigStatus>;

/** The ProviderConfig kind. */
export const providerConfigType: ResourceType<typeof providerConfigSpec, typeof providerConfigStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'ProviderConfig',
  plural: 'providerconfigs',
  singular: 'providerconfig',
  shortNames: ['pc'],
  categories: plainCategories,
  namespaced: false,
  description:
    'ProviderConfig tells Converge how to reach one backend: the driver, its endpoint, the Secret with credentials and concurrency limits. Managed resources select it with spec.providerRef.',
  spec: providerConfigSpec,
  status: providerConfigStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'DRIVER', type: 'string', jsonPath: '.spec.driver', description: 'Backend driver.', priority: 0 },
    { name: 'REACHABLE', type: 'boolean', jsonPath: '.status.reachable', description: 'Last probe reached the backend.', priority: 0 },
    { name: 'VERSION', type: 'string', jsonPath: '.status.version', description: 'Backend version.', priority: 0 },
    { name: 'ENDPOINT', type: 'string', jsonPath: '.spec.endpoint', description: 'Backend endpoint.', priority: 1 },
  ],
  immutableFields: ['spec.driver'],
};
