/**
 * `coordination.k8s.io/v1` Lease: a lock record that replicas compete for (leader election). Served like
 * kube-apiserver's, so `converge serve --kube` runs the same client code against Converge's own API server as
 * against a real cluster, and `kubectl get leases -A` shows who leads. Its only top-level field is `spec`:
 * a Lease has no status and no status subresource, and (as in kube) writes never bump `metadata.generation`.
 *
 * The store key is kube-apiserver's (`/registry/coordination.k8s.io/leases/<namespace>/<name>`), which is
 * where `BackendLeaseLock` keeps the lease of `converge serve`: the two read and write the same object.
 */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { timestamp } from './fields.js';

/** A MicroTime (RFC 3339 with up to nanoseconds); clients may send `null` for an unset one. */
const microTime = (description: string) => timestamp(description).nullable().optional().describe(description);

/** Schema of `Lease.spec` (every field optional, as in kube). */
export const leaseSpec = z
  .strictObject({
    holderIdentity: z.string().max(253).optional().describe('Identity of the current holder; absent when released.'),
    leaseDurationSeconds: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .optional()
      .describe('How long candidates wait after the last observed renewal before taking the lease over. Must be greater than 0.'),
    acquireTime: microTime('When the current holder acquired the lease.'),
    renewTime: microTime('When the current holder last renewed the lease.'),
    leaseTransitions: z.number().int().min(0).max(2_147_483_647).optional().describe('Times the lease changed holders.'),
    strategy: z.string().max(253).optional().describe('Coordinated leader election strategy (kube 1.31+), e.g. OldestEmulationVersion.'),
    preferredHolder: z.string().max(253).optional().describe('Signals the current holder that another candidate should take over (kube 1.31+).'),
  })
  .describe('LeaseSpec is a specification of a Lease.');

/** Schema of a Lease's top-level fields (everything but apiVersion, kind and metadata). */
export const leaseTopLevel = z
  .strictObject({
    spec: leaseSpec.optional(),
  })
  .describe('Lease defines a lease concept.');

/** `coordination.k8s.io/v1` Lease. */
export const leaseType: ResourceType = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  shortNames: [],
  categories: [],
  namespaced: true,
  description: 'Lease is a lock record replicas compete for: the holder leads (e.g. the Converge controllers).',
  spec: z.strictObject({}),
  status: z.strictObject({}),
  topLevel: leaseTopLevel,
  crd: false,
  printerColumns: [{ name: 'HOLDER', type: 'string', jsonPath: '.spec.holderIdentity', description: 'Identity of the current holder.' }],
  immutableFields: [],
};
