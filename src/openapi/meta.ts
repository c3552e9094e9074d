/**
 * Schemas of the Kubernetes meta types every group-version document references (ObjectMeta,
 * ListMeta, Status, DeleteOptions, …), named as kube-apiserver names them. References are written
 * as `{ $ref: '<definition name>' }` and resolved per document by {@link resolveRefs}.
 */
import type { JsonObject, JsonValue } from '../../schemas/object.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Definition names of the meta types. */
export const MetaName = {
  ObjectMeta: `${META}.ObjectMeta`,
  ListMeta: `${META}.ListMeta`,
  Time: `${META}.Time`,
  OwnerReference: `${META}.OwnerReference`,
  ManagedFieldsEntry: `${META}.ManagedFieldsEntry`,
  FieldsV1: `${META}.FieldsV1`,
  Status: `${META}.Status`,
  StatusDetails: `${META}.StatusDetails`,
  StatusCause: `${META}.StatusCause`,
  DeleteOptions: `${META}.DeleteOptions`,
  Preconditions: `${META}.Preconditions`,
  Patch: `${META}.Patch`,
  WatchEvent: `${META}.WatchEvent`,
  APIResourceList: `${META}.APIResourceList`,
  APIResource: `${META}.APIResource`,
  RawExtension: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
} as const;

const ref = (name: string, description: string): JsonObject => ({ $ref: name, description });
const str = (description: string): JsonObject => ({ type: 'string', description });
const int = (description: string, format: 'int32' | 'int64' = 'int64'): JsonObject => ({ type: 'integer', format, description });
const bool = (description: string): JsonObject => ({ type: 'boolean', description });
const strList = (description: string): JsonObject => ({ type: 'array', items: { type: 'string' }, description });
const strMap = (description: string): JsonObject => ({ type: 'object', additionalProperties: { type: 'string' }, description });
const list = (itemRef: string, description: string): JsonObject => ({ type: 'array', items: { $ref: itemRef }, description });

const API_VERSION = str('Versioned schema of this representation of an object, e.g. converge.io/v1alpha1.');
const KIND = str('Kind of object this representation is, in CamelCase, e.g. Instance.');

/** The meta definitions, keyed by definition name. */
export const metaDefinitions: Readonly<Record<string, JsonObject>> = {
  [MetaName.Time]: { type: 'string', format: 'date-time', description: 'RFC 3339 timestamp with second precision, e.g. 2024-05-01T12:00:00Z.' },
  [MetaName.FieldsV1]: { type: 'object', description: 'Set of fields in the FieldsV1 trie format used by server-side apply.' },
  [MetaName.Patch]: { type: 'object', description: 'A patch document: JSON merge patch, JSON patch or an apply configuration.' },
  [MetaName.RawExtension]: { type: 'object', description: 'An embedded object of any kind.' },
  [MetaName.OwnerReference]: {
    type: 'object',
    description: 'Identifies an owner of this object; the object is garbage-collected when every owner is gone.',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    properties: {
      apiVersion: str('API version of the owner.'),
      kind: str('Kind of the owner.'),
      name: str('Name of the owner.'),
      uid: str('UID of the owner.'),
      controller: bool('True if the owner is the managing controller; at most one owner may be.'),
      blockOwnerDeletion: bool('If true, the owner cannot be deleted before this object is removed (foreground deletion).'),
    },
    'x-kubernetes-map-type': 'atomic',
  },
  [MetaName.ManagedFieldsEntry]: {
    type: 'object',
    description: 'Which fields a field manager owns, recorded by server-side apply.',
    properties: {
      apiVersion: str('Version of the resource the fields are expressed in.'),
      fieldsType: str('Format of fieldsV1; only FieldsV1.'),
      fieldsV1: ref(MetaName.FieldsV1, 'The owned fields.'),
      manager: str('Name of the field manager (e.g. kubectl, converge-gitops).'),
      operation: str('Apply or Update.'),
      subresource: str('Subresource the entry was written through, e.g. status; empty for the main resource.'),
      time: ref(MetaName.Time, 'When the entry was last changed.'),
    },
  },
  [MetaName.ObjectMeta]: {
    type: 'object',
    description: 'Metadata every persisted object has.',
    properties: {
      annotations: strMap('Unstructured key-value data for tools (at most 256 KiB in total).'),
      creationTimestamp: ref(MetaName.Time, 'When the object was created. Set by the server; read-only.'),
      deletionGracePeriodSeconds: int('Seconds allowed for graceful deletion. Set by the server; read-only.'),
      deletionTimestamp: ref(MetaName.Time, 'When deletion was requested; the object goes once its finalizers are removed. Read-only.'),
      finalizers: { ...strList('Keys that must be removed before the object is deleted from the store.'), 'x-kubernetes-list-type': 'set' },
      generateName: str('Prefix from which the server generates a unique name when name is empty.'),
      generation: int('Sequence number of the desired state; incremented on every spec change. Read-only.'),
      labels: strMap('Key-value pairs used to select objects (label selectors).'),
      managedFields: list(MetaName.ManagedFieldsEntry, 'Field ownership recorded by server-side apply.'),
      name: str('Name, unique within the namespace (a DNS-1123 subdomain).'),
      namespace: str('Namespace of the object; empty for cluster-scoped kinds.'),
      ownerReferences: {
        ...list(MetaName.OwnerReference, 'Objects this object depends on.'),
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: str('Opaque version of the object (the store revision), used for optimistic concurrency and watches. Read-only.'),
      selfLink: str('Deprecated; always empty.'),
      uid: str('Unique id of the object for its whole life. Set by the server; read-only.'),
    },
  },
  [MetaName.ListMeta]: {
    type: 'object',
    description: 'Metadata of a list response.',
    properties: {
      continue: str('Token to pass as ?continue= to fetch the next page; empty on the last page.'),
      remainingItemCount: int('Approximate number of items after this page, when known.'),
      resourceVersion: str('Store revision the list was read at; pass to ?watch=1 to follow changes from there.'),
      selfLink: str('Deprecated; always empty.'),
    },
  },
  [MetaName.StatusCause]: {
    type: 'object',
    description: 'One reason a request failed, e.g. one invalid field.',
    properties: {
      field: str('Path of the field at fault, e.g. spec.memoryMiB.'),
      message: str('Human-readable description of the cause.'),
      reason: str('Machine-readable reason, e.g. FieldValueInvalid.'),
    },
  },
  [MetaName.StatusDetails]: {
    type: 'object',
    description: 'Details of a failure.',
    properties: {
      causes: list(MetaName.StatusCause, 'Individual causes, e.g. one per invalid field.'),
      group: str('Group of the resource.'),
      kind: str('Kind (or resource) the failure is about.'),
      name: str('Name of the object the failure is about.'),
      retryAfterSeconds: int('Seconds to wait before retrying.', 'int32'),
      uid: str('UID of the object.'),
    },
  },
  [MetaName.Status]: {
    type: 'object',
    description: 'Result of an operation that returns no object, and the body of every error.',
    properties: {
      apiVersion: API_VERSION,
      code: int('HTTP status code.', 'int32'),
      details: ref(MetaName.StatusDetails, 'Extra data about the failure.'),
      kind: KIND,
      message: str('Human-readable description.'),
      metadata: ref(MetaName.ListMeta, 'Standard list metadata.'),
      reason: str('Machine-readable reason, e.g. NotFound, Invalid, Conflict.'),
      status: str('Success or Failure.'),
    },
    'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
  },
  [MetaName.Preconditions]: {
    type: 'object',
    description: 'Conditions that must hold for a delete to go ahead.',
    properties: {
      resourceVersion: str('The object must have this resourceVersion.'),
      uid: str('The object must have this UID.'),
    },
  },
  [MetaName.DeleteOptions]: {
    type: 'object',
    description: 'Options of a delete request.',
    properties: {
      apiVersion: API_VERSION,
      dryRun: strList('All: validate and report without deleting.'),
      gracePeriodSeconds: int('Seconds before the object is deleted; 0 deletes immediately.'),
      kind: KIND,
      orphanDependents: bool('Deprecated: use propagationPolicy.'),
      preconditions: ref(MetaName.Preconditions, 'Must be fulfilled before the delete is carried out.'),
      propagationPolicy: str('Orphan, Background or Foreground: whether and how dependents are garbage-collected.'),
    },
    'x-kubernetes-group-version-kind': [{ group: '', kind: 'DeleteOptions', version: 'v1' }],
  },
  [MetaName.WatchEvent]: {
    type: 'object',
    description: 'One event of a watch stream.',
    required: ['type', 'object'],
    properties: {
      object: ref(MetaName.RawExtension, 'The object (or a Status for ERROR, a bookmark for BOOKMARK).'),
      type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
    },
  },
  [MetaName.APIResource]: {
    type: 'object',
    description: 'A resource served by a group-version.',
    required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'],
    properties: {
      categories: strList('Groups of resources this one belongs to, e.g. converge.'),
      group: str('Group of the resource when it differs from the list\'s group.'),
      kind: str('Kind of the resource.'),
      name: str('Plural name of the resource, e.g. instances or instances/status.'),
      namespaced: bool('Whether objects live in namespaces.'),
      shortNames: strList('Short names, e.g. inst.'),
      singularName: str('Singular name, e.g. instance.'),
      storageVersionHash: str('Hash of the storage version.'),
      verbs: strList('Verbs the resource supports: get, list, watch, create, update, patch, delete, deletecollection.'),
      version: str('Version of the resource when it differs from the list\'s version.'),
    },
  },
  [MetaName.APIResourceList]: {
    type: 'object',
    description: 'Resources served by one group-version.',
    required: ['groupVersion', 'resources'],
    properties: {
      apiVersion: API_VERSION,
      groupVersion: str('The group-version, e.g. converge.io/v1alpha1.'),
      kind: KIND,
      resources: list(MetaName.APIResource, 'The resources.'),
    },
  },
};

/**
 * Rewrites every `$ref` in `value` from a bare definition name to `prefix + name`. With `wrap`, a
 * `$ref` that has sibling keys becomes `allOf: [{$ref}]` plus the siblings, as OpenAPI v3.0 ignores
 * siblings of `$ref` (kube-apiserver's v3 documents do the same).
 */
export function resolveRefs(value: JsonValue, prefix: string, wrap: boolean): JsonValue {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, prefix, wrap));
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== '$ref') out[k] = resolveRefs(v, prefix, wrap);
  }
  const target = value.$ref;
  if (typeof target !== 'string') return out;
  const full = target.startsWith('#/') ? target : `${prefix}${target}`;
  if (wrap && Object.keys(out).length > 0) return { allOf: [{ $ref: full }], ...out };
  return { $ref: full, ...out };
}

/** Definition names referenced from `value` (bare names only), for pruning unused definitions. */
export function refsIn(value: JsonValue, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.add(v);
      else refsIn(v, into);
    }
  }
  return into;
}
