/**
 * The generic shape of every API object as stored and served (Kubernetes `metav1.ObjectMeta` conventions).
 * Kind-specific `spec`/`status` are validated by the kind's zod schemas; this file only names the envelope.
 */

/** JSON value as parsed from a request body. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Reference from a dependent to its owner (garbage collection). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** One entry of `metadata.managedFields` (server-side apply bookkeeping). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** Standard object metadata. Server-owned fields are set by the registry, never trusted from clients. */
export interface ObjectMeta {
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  /** Server-generated, immutable. */
  uid?: string;
  /** The store modRevision of the object, as a decimal string. */
  resourceVersion?: string;
  /** Bumped by the server only when `spec` (or another non-metadata, non-status field) changes. */
  generation?: number;
  creationTimestamp?: string;
  /** Set when deletion was requested while finalizers remain. */
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  generateName?: string;
}

/** Any API object. `spec` and `status` are kind-specific JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: JsonObject;
  status?: JsonObject;
  [extra: string]: JsonValue | ObjectMeta | undefined;
}
