/**
 * IPAllocation: one prefix or address handed out by a Pool. Allocations are separate, write-once objects
 * whose name is derived from the pool and the prefix (`src/ipam/names.ts`), so creating one with
 * create-if-absent is the lock: two allocators racing for the same range cannot both succeed.
 */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { conditionColumns, enumValues, GROUP, localRef, plainCategories, statusShape, VERSION } from './common.js';
import { bitsOf, parseCidr } from './cidr.js';
import { cidr, objectName } from './fields.js';
import { addCause, FieldReason } from './issues.js';

/**
 * What an allocation is for: a Network's prefix, a single address of an Instance's interface, or a child
 * Pool's prefix carved out of its parent (`Pool.spec.parentRef`).
 */
export const AllocationPurpose = { Network: 'network', Address: 'address', Pool: 'pool' } as const;
/** One of {@link AllocationPurpose}. */
export type AllocationPurpose = (typeof AllocationPurpose)[keyof typeof AllocationPurpose];

const owner = z
  .strictObject({
    kind: z
      .string()
      .max(63)
      .regex(/^[A-Z][A-Za-z0-9]*$/, { message: 'must be a kind such as "Network" or "Instance"' })
      .describe('Kind of the object holding the allocation, e.g. Network, Instance or Pool.'),
    name: objectName('Name of the object holding the allocation, in the same namespace.'),
    uid: z.string().min(1).max(128).describe('metadata.uid of the holder, so a re-created object with the same name is a different holder.'),
  })
  .describe('The object the range is allocated to.');

/** Schema of `IPAllocation.spec`. Every field is immutable: an allocation is released by deleting it. */
export const ipAllocationSpec = z
  .strictObject({
    poolRef: localRef('Pool the range was allocated from, in the same namespace. Immutable.', 'Pool'),
    cidr: cidr('The allocated prefix in canonical form; a single address is a /32 (IPv4) or /128 (IPv6). Immutable.'),
    owner,
    purpose: z
      .enum(enumValues(AllocationPurpose))
      .describe('network: a prefix for a Network; address: one address (a /32 or /128) for an Instance interface; pool: a prefix of a child Pool (spec.parentRef) carved out of this pool. Immutable.'),
  })
  .superRefine((spec, ctx) => {
    if (spec.purpose !== AllocationPurpose.Address) return;
    const parsed = parseCidr(spec.cidr);
    if (parsed.ok && parsed.value.prefixLength !== bitsOf(parsed.value.family)) {
      addCause(ctx, {
        path: ['cidr'],
        reason: FieldReason.Invalid,
        message: `Invalid value: "${spec.cidr}": an address allocation is a single address (/32 for IPv4, /128 for IPv6)`,
      });
    }
  })
  .meta({
    'x-kubernetes-validations': [
      {
        rule: "self.purpose != 'address' || (self.cidr.contains(':') ? self.cidr.endsWith('/128') : self.cidr.endsWith('/32'))",
        message: 'an address allocation is a single address (/32 for IPv4, /128 for IPv6)',
      },
    ],
  })
  .describe('A range handed out by a Pool.');

/** Schema of `IPAllocation.status`: only the common fields; an allocation has nothing to observe. */
export const ipAllocationStatus = z.strictObject({ ...statusShape }).describe('Observed state of an IP allocation.');

/** `IPAllocation.spec` after normalisation. */
export type IPAllocationSpec = z.output<typeof ipAllocationSpec>;
/** `IPAllocation.spec` as a client may write it. */
export type IPAllocationSpecInput = z.input<typeof ipAllocationSpec>;

/** The IPAllocation kind. */
export const ipAllocationType: ResourceType<typeof ipAllocationSpec, typeof ipAllocationStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'IPAllocation',
  plural: 'ipallocations',
  singular: 'ipallocation',
  shortNames: ['ipa'],
  categories: plainCategories,
  namespaced: true,
  description:
    'IPAllocation records one prefix or address handed out by a Pool to a Network or Instance. Its name is derived from the pool and the prefix, so the same range can never be allocated twice.',
  spec: ipAllocationSpec,
  status: ipAllocationStatus,
  printerColumns: [
    // Every kind shows READY and SYNCED first (a project-wide convention checked by the schema tests).
    ...conditionColumns,
    { name: 'POOL', type: 'string', jsonPath: '.spec.poolRef.name', description: 'Pool the range comes from.', priority: 0 },
    { name: 'CIDR', type: 'string', jsonPath: '.spec.cidr', description: 'Allocated prefix.', priority: 0 },
    { name: 'OWNER', type: 'string', jsonPath: '.spec.owner.name', description: 'Object holding the range.', priority: 0 },
    { name: 'OWNER-KIND', type: 'string', jsonPath: '.spec.owner.kind', description: 'Kind of the holder.', priority: 1 },
    { name: 'PURPOSE', type: 'string', jsonPath: '.spec.purpose', description: 'network, address or pool.', priority: 1 },
  ],
  immutableFields: ['spec.poolRef', 'spec.cidr', 'spec.owner', 'spec.purpose'],
};
