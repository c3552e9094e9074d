/**
 * Core `v1` Namespace: a named scope for namespaced objects, served under `/api/v1` like kube-apiserver's so
 * that `kubectl get ns`, `kubectl create namespace` and manifests with `kind: Namespace` work. Converge's
 * namespaces stay implicit too: an object may name a namespace that has no Namespace object. A Namespace
 * object adds the lifecycle: deleting it deletes everything in it (the namespace controller), and nothing new
 * can be created in it meanwhile (the registry's admission check, `src/registry/namespace.ts`).
 */
import { z } from 'zod';
import type { ResourceType } from './types.js';
import { timestamp } from './fields.js';

/** Finalizer (in `spec.finalizers`) the namespace controller removes once the namespace is empty. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/** `status.phase` of a Namespace. */
export const NamespacePhase = { Active: 'Active', Terminating: 'Terminating' } as const;
export type NamespacePhase = (typeof NamespacePhase)[keyof typeof NamespacePhase];

/** Condition types the namespace controller reports while a namespace terminates (kube's names). */
export const NamespaceConditionType = {
  ContentRemaining: 'NamespaceContentRemaining',
  FinalizersRemaining: 'NamespaceFinalizersRemaining',
  DeletionContentFailure: 'NamespaceDeletionContentFailure',
  DeletionDiscoveryFailure: 'NamespaceDeletionDiscoveryFailure',
} as const;
export type NamespaceConditionType = (typeof NamespaceConditionType)[keyof typeof NamespaceConditionType];

/** Namespaces that always exist in `converge serve` and can never be deleted. */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'converge-system'];

const finalizerName = z.string().min(1).max(253).describe('A finalizer name, e.g. kubernetes.');

/** Schema of `Namespace.spec`. */
export const namespaceSpec = z
  .strictObject({
    finalizers: z
      .array(finalizerName)
      .max(32)
      .default([NAMESPACE_FINALIZER])
      .describe('What must be done before the namespace is removed; the namespace controller removes "kubernetes" once the namespace is empty. Default ["kubernetes"].'),
  })
  // `kind: Namespace` manifests usually have no spec at all (kube's spec is optional).
  .default({ finalizers: [NAMESPACE_FINALIZER] })
  .describe('NamespaceSpec describes the attributes on a Namespace.');

const namespaceCondition = z
  .strictObject({
    type: z.string().min(1).max(316).describe('Type of namespace condition, e.g. NamespaceContentRemaining.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    lastTransitionTime: timestamp('When the condition last changed.').optional(),
    reason: z.string().max(1024).optional().describe('Machine-readable CamelCase reason for the last transition.'),
    message: z.string().max(32768).optional().describe('Human-readable details, e.g. what is left in the namespace.'),
  })
  .describe('NamespaceCondition contains details about the state of a namespace.');

/** Schema of `Namespace.status`. */
export const namespaceStatus = z
  .strictObject({
    phase: z.enum(['Active', 'Terminating']).optional().describe('Active, or Terminating once deletion was requested.'),
    conditions: z
      .array(namespaceCondition)
      .max(16)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('What the namespace controller observed while terminating: what is left and what blocks it.'),
  })
  .describe('NamespaceStatus is information about the current status of a Namespace.');

/** Core v1 Namespace. */
export const namespaceType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  description: 'Namespace provides a scope for names. Deleting one deletes everything in it.',
  spec: namespaceSpec,
  status: namespaceStatus,
  crd: false,
  printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Active or Terminating.' }],
  immutableFields: [],
};
