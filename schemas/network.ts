/** Network: a virtual network (bridge, optional VLAN and DHCP) with a fixed or pool-allocated CIDR. */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import {
  checkManagedSpec,
  conditionColumns,
  GROUP,
  localRef,
  managedCategories,
  managedSpecShape,
  managedStatusShape,
  managedWideColumns,
  VERSION,
} from './common.js';
import { cidrContainsIp, formatCidr, parseCidr, parseIp } from './cidr.js';
import { cidr, ipAddress } from './fields.js';
import { addCause, FieldReason } from './issues.js';

const dhcpRange = z
  .strictObject({
    start: ipAddress('First address handed out, inside the network CIDR.'),
    end: ipAddress('Last address handed out, inside the network CIDR and not before start.'),
  })
  .describe('Addresses DHCP hands out; the provider chooses when absent.');

const dhcp = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve DHCP on this network. Default true.'),
    range: dhcpRange.optional(),
  })
  .describe('DHCP service on the network.');

/** Schema of `Network.spec`. */
export const networkSpec = z
  .strictObject({
    ...managedSpecShape,
    cidr: cidr(
      'Fixed IPv4 or IPv6 prefix of the network, e.g. 10.10.0.0/24 or fd00:10::/64 (host bits must be zero). Set either cidr, or poolRef with prefixLength. Immutable.',
    ).optional(),
    poolRef: localRef('Pool to allocate the prefix from, in the same namespace. Immutable.', 'Pool').optional(),
    prefixLength: z
      .number()
      .int()
      .min(1)
      .max(128)
      .optional()
      .describe('Size of the prefix to allocate from poolRef, e.g. 24. Required with poolRef. Immutable.'),
    bridge: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,15}$/, { message: "must be a Linux interface name: 1 to 15 letters, digits, '-', '_' or '.'" })
      .optional()
      .describe('Host bridge to use or create (a Linux interface name of at most 15 characters). Chosen by the provider when absent.'),
    dhcp: dhcp.prefault({}),
    vlan: z.number().int().min(1).max(4094).optional().describe('802.1Q VLAN id, 1 to 4094. Untagged when absent.'),
  })
  .superRefine((spec, ctx) => {
    checkManagedSpec(spec, ctx);
    checkAddressing(spec, ctx);
    checkDhcpRange(spec, ctx);
  })
  // The same cross-field rules for a real Kubernetes API server serving the CRD.
  .meta({
    'x-kubernetes-validations': [
      { rule: 'has(self.cidr) != has(self.poolRef)', message: 'set either cidr, or poolRef with prefixLength' },
      { rule: 'has(self.poolRef) == has(self.prefixLength)', message: 'prefixLength is required with poolRef and only allowed with it' },
    ],
  })
  .describe('Desired state of a virtual network.');

type AddressingFields = { cidr?: string | undefined; poolRef?: { name: string } | undefined; prefixLength?: number | undefined };

/** Exactly one of `cidr` or `poolRef` (+ `prefixLength`). */
function checkAddressing(spec: AddressingFields, ctx: z.RefinementCtx): void {
  if (spec.cidr === undefined && spec.poolRef === undefined) {
    addCause(ctx, { path: ['cidr'], reason: FieldReason.Required, message: 'Required value: set either cidr, or poolRef with prefixLength' });
  }
  if (spec.cidr !== undefined && spec.poolRef !== undefined) {
    addCause(ctx, { path: ['poolRef'], reason: FieldReason.Forbidden, message: 'Forbidden: may not be set together with cidr' });
  }
  if (spec.poolRef !== undefined && spec.prefixLength === undefined) {
    addCause(ctx, { path: ['prefixLength'], reason: FieldReason.Required, message: 'Required value: prefixLength is required with poolRef' });
  }
  if (spec.poolRef === undefined && spec.prefixLength !== undefined) {
    addCause(ctx, { path: ['prefixLength'], reason: FieldReason.Forbidden, message: 'Forbidden: prefixLength is only allowed with poolRef' });
  }
}

/** The DHCP range lies inside a fixed cidr and runs forwards (pool-allocated networks are checked later). */
function checkDhcpRange(spec: { cidr?: string | undefined; dhcp: { range?: { start: string; end: string } | undefined } }, ctx: z.RefinementCtx): void {
  const range = spec.dhcp.range;
  if (range === undefined) return;
  const start = parseIp(range.start);
  const end = parseIp(range.end);
  if (!start.ok || !end.ok) return;
  if (start.value.family !== end.value.family) {
    addCause(ctx, { path: ['dhcp', 'range', 'end'], reason: FieldReason.Invalid, message: `Invalid value: "${range.end}": must be the same address family as start "${range.start}"` });
    return;
  }
  if (end.value.value < start.value.value) {
    addCause(ctx, { path: ['dhcp', 'range', 'end'], reason: FieldReason.Invalid, message: `Invalid value: "${range.end}": must not be before start "${range.start}"` });
  }
  if (spec.cidr === undefined) return;
  const net = parseCidr(spec.cidr);
  if (!net.ok) return;
  for (const [key, ip] of [['start', start.value], ['end', end.value]] as const) {
    if (!cidrContainsIp(net.value, ip)) {
      addCause(ctx, {
        path: ['dhcp', 'range', key],
        reason: FieldReason.Invalid,
        message: `Invalid value: "${range[key]}": must be inside spec.cidr ${formatCidr(net.value)}`,
      });
    }
  }
}

/** Schema of `Network.status`. */
export const networkStatus = z
  .strictObject({
    ...managedStatusShape,
    cidr: z.string().max(64).optional().describe('Prefix in use: spec.cidr, or the one allocated from spec.poolRef.'),
    bridge: z.string().max(64).optional().describe('Host bridge the network uses.'),
    gateway: z.string().max(64).optional().describe('Gateway address of the network.'),
  })
  .describe('Observed state of a virtual network.');

/** `Network.spec` after defaulting. */
export type NetworkSpec = z.output<typeof networkSpec>;
/** `Network.spec` as a user may write it. */
export type NetworkSpecInput = z.input<typeof networkSpec>;
/** `Network.status`. */
export type NetworkStatus = z.output<typeof networkStatus>;

/** The Network kind. */
export const networkType: ResourceType<typeof networkSpec, typeof networkStatus> = {
  group: GROUP,
  version: VERSION,
  kind: 'Network',
  plural: 'networks',
  singular: 'network',
  shortNames: ['net'],
  categories: managedCategories,
  namespaced: true,
  description:
    'Network is a virtual network on a provider: a bridge with an optional VLAN and DHCP, addressed by a fixed CIDR or a prefix allocated from a Pool.',
  spec: networkSpec,
  status: networkStatus,
  printerColumns: [
    ...conditionColumns,
    { name: 'CIDR', type: 'string', jsonPath: '.status.cidr', description: 'Prefix in use.', priority: 0 },
    { name: 'BRIDGE', type: 'string', jsonPath: '.status.bridge', description: 'Host bridge.', priority: 0 },
    ...managedWideColumns,
    { name: 'POOL', type: 'string', jsonPath: '.spec.poolRef.name', description: 'Pool the prefix comes from.', priority: 1 },
    { name: 'VLAN', type: 'integer', jsonPath: '.spec.vlan', description: 'VLAN id.', priority: 1 },
    { name: 'GATEWAY', type: 'string', jsonPath: '.status.gateway', description: 'Gateway address.', priority: 1 },
  ],
  immutableFields: ['spec.providerRef', 'spec.cidr', 'spec.poolRef', 'spec.prefixLength'],
};
