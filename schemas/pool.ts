/** Pool: an IP address pool (IPAM) that Networks and Instances allocate prefixes and addresses from. */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { conditionColumns, GROUP, localRef, plainCategories, statusShape, VERSION } from './common.js';
import { cidrContainsIp, cidrsOverlap, formatCidr, parseCidr, parseIp, type Cidr } from './cidr.js';
import { cidr, ipAddress, timestamp } from './fields.js';
import { addCause, FieldReason } from './issues.js';

const reservedRange = z
  .strictObject({
    start: ipAddress('First reserved address.'),
    end: ipAddress('Last reserved address (inclusive), not before start, in the same CIDR.'),
    description: z.string().max(1024).optional().describe('Why the range is reserved, e.g. "routers".'),
  })
  .describe('Addresses the pool never hands out.');

/** Schema of `Pool.spec`. */
export const poolSpec = z
  .strictObject({
    cidrs: z
      .array(cidr('An IPv4 or IPv6 prefix, e.g. 10.0.0.0/16 or fd00::/48 (host bits must be zero).'))
      .min(1)
      .max(64)
      .describe('Prefixes the pool allocates from; at least one, IPv4 and/or IPv6, none overlapping.'),
    reserved: z.array(reservedRange).max(256).optional().describe('Address ranges inside cidrs that are never allocated.'),
    parentRef: localRef(
      'Parent Pool in the same namespace; this pool\'s cidrs are carved out of it (hierarchical IPAM).',
      'Pool',
    ).optional(),
  })
  .superRefine((spec, ctx) => {
    const parsed = checkCidrsDisjoint(spec.cidrs, ctx);
    checkReserved(spec.reserved ?? [], parsed, ctx);
  })
  .describe('Desired state of an IP address pool.');

function checkCidrsDisjoint(texts: readonly string[], ctx: z.RefinementCtx): Cidr[] {
  const parsed: { cidr: Cidr; index: number }[] = [];
  texts.forEach((text, index) => {
    const c = parseCidr(text);
    if (!c.ok) return;
    const other = parsed.find((p) => cidrsOverlap(p.cidr, c.value));
    if (other !== undefined) {
      addCause(ctx, {
        path: ['cidrs', index],
        reason: FieldReason.Invalid,
        message: `Invalid value: "${text}": overlaps spec.cidrs[${other.index}] (${formatCidr(other.cidr)}); pool prefixes must not overlap`,
      });
      return;
    }
    parsed.push({ cidr: c.value, index });
  });
  return parsed.map((p) => p.cidr);
}

function checkReserved(ranges: readonly { start: string; end: string }[], cidrs: readonly Cidr[], ctx: z.RefinementCtx): void {
  ranges.forEach((range, i) => {
    const start = parseIp(range.start);
    const end = parseIp(range.end);
    if (!start.ok || !end.ok) return;
    if (start.value.family !== end.value.family || end.value.value < start.value.value) {
      addCause(ctx, {
        path: ['reserved', i, 'end'],
        reason: FieldReason.Invalid,
        message: `Invalid value: "${range.end}": must be an address of the same family as start "${range.start}" and not before it`,
      });
      return;
    }
    const home = cidrs.find((c) => cidrContainsIp(c, start.value) && cidrContainsIp(c, end.value));
    if (home === undefined) {
      addCause(ctx, {
        path: ['reserved', i],
        reason: FieldReason.Invalid,
        message: `Invalid value: "${range.start}-${range.end}": must lie inside one of spec.cidrs (${cidrs.map(formatCidr).join(', ')})`,
      });
    }
  });
}

const conflict = z
  .strictObject({
    providerRef: z.string().max(253).describe('ProviderConfig where the conflicting network was observed.'),
    network: z.string().max(1024).describe('Name of the conflicting network in the backend.'),
    cidr: z.string().max(64).describe('Prefix of the conflicting network.'),
    poolCidr: z.string().max(64).describe('Prefix of this pool it overlaps.'),
    firstSeen: timestamp('When the conflict was first observed.').optional(),
  })
  .describe('A network not allocated from this pool that overlaps it.');

/** Schema of `Pool.status`. */
export const poolStatus = z
  .strictObject({
    ...statusShape,
    allocations: z.number().int().min(0).optional().describe('Number of allocations made from the pool.'),
    utilisationPercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Share of allocatable addresses in use, 0 to 100.'),
    conflicts: z.array(conflict).max(256).optional().describe('Observed networks overlapping the pool that it did not allocate.'),
  })
  .describe('Observed state of an IP address pool.');

/** `Pool.spec` after normalisation. */
export type PoolSpec = z.output<typeof poolSpec>;
/** `Pool.spec` as a user may write it. */
export type PoolSpecInput = z.input<typeof poolSpec>;
/** `Pool.status`. */
export type PoolStatus = z.output<typeof poolStatus>;

/** The Pool kind. */
export const poolType: ResourceType<typeof poolSpec, typeof poolStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'Pool',
  plural: 'pools',
  singular: 'pool',
  shortNames: ['pool'],
  categories: plainCategories,
  namespaced: true,
  description:
    'Pool is a set of IPv4/IPv6 prefixes from which Networks claim prefixes and Instances claim addresses, never handing out the same range twice.',
  spec: poolSpec,
  status: poolStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'CIDRS', type: 'string', jsonPath: '.spec.cidrs', description: 'Prefixes of the pool.', priority: 0 },
    { name: 'ALLOCATIONS', type: 'integer', jsonPath: '.status.allocations', description: 'Allocations made.', priority: 0 },
    { name: 'USED%', type: 'number', jsonPath: '.status.utilisationPercent', description: 'Utilisation in percent.', priority: 0 },
    { name: 'PARENT', type: 'string', jsonPath: '.spec.parentRef.name', description: 'Parent pool.', priority: 1 },
  ],
  immutableFields: [],
};
