/**
 * Pieces shared by every kind: object references, the managed-resource policies, conditions, drift
 * records, the in-flight operation handle, and the printer columns every kind shows.
 */
import { z } from 'zod';
import type { PrinterColumn } from './types.js';
import { objectName, pollInterval, timestamp } from './fields.js';
import { addCause, FieldReason } from './issues.js';

/** API group of every Converge kind. */
export const GROUP = 'converge.io';
/** Served and stored version. */
export const VERSION = 'v1alpha1';

/** What Converge may do to the external resource. */
export const ManagementPolicy = { Full: 'Full', ObserveOnly: 'ObserveOnly', NoDelete: 'NoDelete' } as const;
export type ManagementPolicy = (typeof ManagementPolicy)[keyof typeof ManagementPolicy];

/** What happens to the external resource when the object is deleted. */
export const DeletionPolicy = { Delete: 'Delete', Orphan: 'Orphan' } as const;
export type DeletionPolicy = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

/** What Converge does when the external resource differs from the spec. */
export const DriftPolicy = { Correct: 'Correct', Report: 'Report', Ignore: 'Ignore' } as const;
export type DriftPolicy = (typeof DriftPolicy)[keyof typeof DriftPolicy];

/**
 * Condition types: `Ready` and `Synced` on every object, `Drifted` while drift is outstanding, and
 * `RestartRequired` on Instances whose driver reports a change that takes effect at the guest's next restart.
 */
export const ConditionType = { Ready: 'Ready', Synced: 'Synced', Drifted: 'Drifted', RestartRequired: 'RestartRequired' } as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition status values. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** Kinds of external operation recorded in `status.lastOperation`. */
export const OperationAction = { Create: 'Create', Update: 'Update', Delete: 'Delete' } as const;
export type OperationAction = (typeof OperationAction)[keyof typeof OperationAction];

/** Progress of the recorded external operation. */
export const OperationState = { Pending: 'Pending', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type OperationState = (typeof OperationState)[keyof typeof OperationState];

/** Values of an `as const` string map, typed for `z.enum`. */
export const enumValues = <T extends Record<string, string>>(o: T) =>
  Object.values(o) as [T[keyof T], ...T[keyof T][]];

/** Reference to an object of `kind` in the referrer's namespace (or a cluster-scoped one). */
export function localRef(description: string, kind: string) {
  return z
    .strictObject({ name: objectName(`Name of the ${kind}.`) })
    .describe(description);
}

/** `spec.providerRef`: the ProviderConfig (cluster-scoped) that connects to the backend. */
export const providerRef = localRef(
  'ProviderConfig that connects to the backend holding this resource. Immutable.',
  'ProviderConfig',
);

const DRIFT_PATH_RE = /^spec(\.[A-Za-z0-9_-]+|\[[0-9]+\])+$/;

/** One per-field override of the drift policy. */
export const driftOverride = z
  .strictObject({
    path: z
      .string()
      .regex(DRIFT_PATH_RE, { message: 'must be a spec field path such as "spec.vcpus" or "spec.tags.owner"' })
      .describe('Spec field path the override applies to, e.g. `spec.vcpus` or `spec.tags.owner`.'),
    policy: z.enum(enumValues(DriftPolicy)).describe('Drift policy for this field: Correct, Report or Ignore.'),
  })
  .describe('Drift policy for one field path, overriding spec.driftPolicy.');

/** Spec fields common to every managed kind; spread into the kind's spec object. */
export const managedSpecShape = {
  providerRef,
  managementPolicy: z
    .enum(enumValues(ManagementPolicy))
    .default(ManagementPolicy.Full)
    .describe(
      'What Converge may do to the external resource: Full (create, update, delete), ObserveOnly (only read it and report status), NoDelete (everything except delete). Default Full.',
    ),
  deletionPolicy: z
    .enum(enumValues(DeletionPolicy))
    .default(DeletionPolicy.Delete)
    .describe('What happens to the external resource when this object is deleted: Delete it, or Orphan (leave it). Default Delete.'),
  driftPolicy: z
    .enum(enumValues(DriftPolicy))
    .default(DriftPolicy.Correct)
    .describe(
      'What to do when the external resource differs from the spec: Correct it, Report it in status.drift only, or Ignore it. Default Correct.',
    ),
  driftOverrides: z
    .array(driftOverride)
    .max(64)
    .optional()
    .describe('Per-field exceptions to driftPolicy, e.g. report instead of correct changes to spec.vcpus.'),
  pollInterval: pollInterval(
    '10m',
    'How often the external resource is observed for drift when nothing else triggers a reconcile, e.g. 30s, 5m, 1h. Between 1s and 24h. Default 10m.',
  ),
};

/** Cross-field checks for {@link managedSpecShape}: override paths must be unique. */
export function checkManagedSpec(spec: { driftOverrides?: readonly { path: string }[] | undefined }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  (spec.driftOverrides ?? []).forEach((o, i) => {
    const first = seen.get(o.path);
    if (first !== undefined) {
      addCause(ctx, {
        path: ['driftOverrides', i, 'path'],
        reason: FieldReason.Duplicate,
        message: `Duplicate value: "${o.path}" is already overridden by spec.driftOverrides[${first}]`,
      });
    } else {
      seen.set(o.path, i);
    }
  });
}

/** One status condition (Kubernetes `metav1.Condition` shape). */
export const condition = z
  .strictObject({
    type: z.enum(enumValues(ConditionType)).describe('Condition type: Ready, Synced, Drifted or RestartRequired.'),
    status: z.enum(enumValues(ConditionStatus)).describe('True, False or Unknown.'),
    reason: z
      .string()
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, { message: 'must be a CamelCase word such as "Available"' })
      .optional()
      .describe('Machine-readable CamelCase reason for the last transition, e.g. Available, ReconcileError.'),
    message: z.string().max(32768).optional().describe('Human-readable details about the last transition.'),
    lastTransitionTime: timestamp('When the status last changed.').optional(),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation the condition was computed from.'),
  })
  .describe('Observed state of one aspect of the object.');

/** `status.conditions`: at most one entry per type (a list-map keyed by `type` for server-side apply). */
export const conditions = z
  .array(condition)
  .max(8)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.type)) {
        addCause(ctx, { path: [i, 'type'], reason: FieldReason.Duplicate, message: `Duplicate value: "${c.type}"` });
      }
      seen.add(c.type);
    });
  })
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .describe('Ready: the external resource exists and is usable. Synced: the last reconcile succeeded. Drifted: observed state differs from the spec.');

/** An arbitrary JSON value (what a driver observed or the spec asked for). */
const anyJson = (description: string) =>
  z.unknown().meta({ 'x-kubernetes-preserve-unknown-fields': true }).describe(description);

/** One field whose observed value differs from the spec. */
export const driftEntry = z
  .strictObject({
    path: z.string().min(1).describe('Spec field path that drifted, e.g. spec.vcpus.'),
    desired: anyJson('Value the spec asks for (absent when the field is unset).').optional(),
    observed: anyJson('Value found on the external resource (absent when missing there).').optional(),
    firstSeen: timestamp('When this drift was first observed.'),
    lastSeen: timestamp('When this drift was last observed.'),
  })
  .describe('A field whose external value differs from the spec.');

/**
 * The external operation in flight (or last finished). Written to status before the external call so
 * that after a crash the reconciler resumes the operation (e.g. polls a Proxmox UPID) instead of repeating it.
 */
export const lastOperation = z
  .strictObject({
    action: z.enum(enumValues(OperationAction)).describe('Create, Update or Delete.'),
    handle: z
      .string()
      .max(1024)
      .optional()
      .describe('Backend handle to resume or poll the operation with, e.g. a Proxmox UPID or a task id.'),
    state: z.enum(enumValues(OperationState)).optional().describe('Pending, Succeeded or Failed.'),
    startedAt: timestamp('When the operation was started.'),
    finishedAt: timestamp('When the operation finished.').optional(),
    message: z.string().max(32768).optional().describe('Result or error of the operation.'),
  })
  .describe('The external operation in flight or last finished; persisted before the call so a restart resumes it.');

/** Status fields of every kind; spread into the kind's status object. */
export const statusShape = {
  conditions: conditions.optional(),
  observedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('metadata.generation most recently acted on by the controller.'),
};

/** Status fields common to every managed kind; spread into the kind's status object. */
export const managedStatusShape = {
  ...statusShape,
  externalName: z
    .string()
    .max(1024)
    .optional()
    .describe('Name or id of the resource in the backend (derived from metadata.uid unless adopted).'),
  drift: z.array(driftEntry).max(256).optional().describe('Fields whose external value differs from the spec.'),
  lastOperation: lastOperation.optional(),
};

/** Categories of the managed kinds (`kubectl get managed`). */
export const managedCategories = ['converge', 'managed'] as const;
/** Categories of the kinds that manage nothing external. */
export const plainCategories = ['converge'] as const;

/** JSONPath of a condition's status, e.g. `.status.conditions[?(@.type=="Ready")].status`. */
export function conditionPath(type: ConditionType): string {
  return `.status.conditions[?(@.type=="${type}")].status`;
}

/** READY and SYNCED columns, shown by every kind. */
export const conditionColumns: readonly PrinterColumn[] = [
  { name: 'READY', type: 'string', jsonPath: conditionPath('Ready'), description: 'Ready condition status.', priority: 0 },
  { name: 'SYNCED', type: 'string', jsonPath: conditionPath('Synced'), description: 'Synced condition status.', priority: 0 },
];

/** Wide columns every managed kind shows. */
export const managedWideColumns: readonly PrinterColumn[] = [
  { name: 'PROVIDER', type: 'string', jsonPath: '.spec.providerRef.name', description: 'ProviderConfig name.', priority: 1 },
  { name: 'EXTERNAL-NAME', type: 'string', jsonPath: '.status.externalName', description: 'Name in the backend.', priority: 1 },
];
