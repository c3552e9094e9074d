/**
 * The REST paths and operations of each kind, described once and rendered by the v2 and v3 builders.
 * Shapes follow kube-apiserver, because kubectl reads them: it looks for the PATCH operation carrying
 * the kind's `x-kubernetes-group-version-kind` and checks that `fieldValidation` (v3) or `dryRun`
 * (v2) are among that operation's own parameters.
 */
import type { ResourceType } from '../../schemas/types.js';
import { MetaName } from './meta.js';

/** A group-version-kind as written in the `x-kubernetes-group-version-kind` extension. */
export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** One path or query parameter. */
export interface ParamSpec {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
  readonly required?: boolean;
}

/** One response of an operation; `ref` names the body's definition. */
export interface ResponseSpec {
  readonly code: string;
  readonly description: string;
  readonly ref?: string;
}

/** Kubernetes verbs as recorded in `x-kubernetes-action`. */
export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

/** One operation of a path. */
export interface OperationSpec {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly action: Action;
  readonly operationId: string;
  readonly description: string;
  readonly tag: string;
  readonly params: readonly ParamSpec[];
  /** Definition name of the request body, if the operation takes one. */
  readonly body?: string;
  readonly consumes: readonly string[];
  readonly produces: readonly string[];
  readonly responses: readonly ResponseSpec[];
  readonly gvk?: Gvk;
}

/** One path with its path-level parameters and operations. */
export interface PathSpec {
  readonly path: string;
  readonly params: readonly ParamSpec[];
  readonly operations: readonly OperationSpec[];
}

const q = (name: string, type: ParamSpec['type'], description: string): ParamSpec => ({ name, in: 'query', type, description });

const PRETTY = q('pretty', 'string', "If 'true', the output is pretty-printed.");
const DRY_RUN = q('dryRun', 'string', 'When present, the request is validated and defaulted but nothing is persisted. The only valid value is All.');
const FIELD_MANAGER = q('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields. Required for apply patches.');
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'What to do with unknown or duplicate fields: Ignore (drop them), Warn (drop them and return a warning), Strict (fail the request).',
);
const FORCE = q('force', 'boolean', 'Apply patches only: take ownership of fields other managers own instead of failing with a conflict.');
const LIST_PARAMS: readonly ParamSpec[] = [
  q('allowWatchBookmarks', 'boolean', 'Watch only: ask for BOOKMARK events carrying the current resourceVersion.'),
  q('continue', 'string', 'Token from a previous page (metadata.continue) to fetch the next page.'),
  q('fieldSelector', 'string', 'Restrict the list by fields; metadata.name and metadata.namespace are supported.'),
  q('labelSelector', 'string', 'Restrict the list by labels, e.g. app=web,tier!=db.'),
  q('limit', 'integer', 'Most items to return; use metadata.continue to fetch the rest.'),
  q('resourceVersion', 'string', 'For list, the revision to read at; for watch, the revision to start after.'),
  q('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'),
  q('sendInitialEvents', 'boolean', 'Watch only: begin with synthetic ADDED events for the current state.'),
  q('timeoutSeconds', 'integer', 'Timeout of the list or watch call.'),
  q('watch', 'boolean', 'Stream changes (ADDED, MODIFIED, DELETED) instead of returning a list.'),
];
const DELETE_PARAMS: readonly ParamSpec[] = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted; 0 deletes immediately.'),
  q('propagationPolicy', 'string', 'Orphan, Background or Foreground: whether and how dependents are garbage-collected.'),
];

const JSON_YAML = ['application/json', 'application/yaml'] as const;
const WATCHABLE = [...JSON_YAML, 'application/json;stream=watch'] as const;
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] as const;
const UNAUTHORIZED: ResponseSpec = { code: '401', description: 'Unauthorized' };

/** Definition name of a kind, e.g. `io.converge.v1alpha1.Instance` (the group reversed, as kube does). */
export function definitionName(type: Pick<ResourceType, 'group' | 'version' | 'kind'>, suffix = ''): string {
  // kube-apiserver's names: io.k8s.api.core.v1.Event, io.k8s.api.coordination.v1.Lease (coordination.k8s.io),
  // io.k8s.api.rbac.v1.Role (rbac.authorization.k8s.io); other groups reversed (io.converge.v1alpha1.Instance).
  const builtin = type.group.endsWith('.k8s.io') ? type.group.split('.')[0] : undefined;
  const group = type.group === '' ? 'io.k8s.api.core' : builtin !== undefined ? `io.k8s.api.${builtin}` : type.group.split('.').reverse().join('.');
  return `${group}.${type.version}.${type.kind}${suffix}`;
}

/** URL prefix of a group-version: `/apis/<group>/<version>`, or `/api/<version>` for the core group. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

function camel(group: string, version: string): string {
  const words = group === '' ? ['core'] : group.split(/[.-]/);
  return [...words, version].map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** What the operation builders of one kind share. */
interface KindContext {
  readonly type: ResourceType;
  readonly gv: string;
  readonly obj: string;
  readonly list: string;
  /** Builds an operation tagged with the kind's group-version and GVK. */
  readonly op: (o: Omit<OperationSpec, 'tag' | 'gvk'>) => OperationSpec;
  /** Operation id such as `patchConvergeIoV1alpha1NamespacedInstanceStatus`. */
  readonly id: (verb: string, suffix?: string) => string;
}

function responses(ref: string, ...codes: string[]): ResponseSpec[] {
  const text: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  return [...codes.map((code) => ({ code, description: text[code] ?? 'OK', ref })), UNAUTHORIZED];
}

const WRITE_PARAMS: readonly ParamSpec[] = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const READ_PARAMS: readonly ParamSpec[] = [q('resourceVersion', 'string', 'Serve the object at this revision or newer.')];

/** get, put and patch of the object (`what` = '') or of a subresource such as `status`. */
function itemOperations(k: KindContext, what: string, suffix: string): OperationSpec[] {
  const target = what === '' ? `the specified ${k.type.kind}` : `${what} of the specified ${k.type.kind}`;
  return [
    k.op({
      method: 'get', action: 'get', operationId: k.id('read', suffix), description: `read ${target}`,
      params: READ_PARAMS, consumes: [], produces: JSON_YAML, responses: responses(k.obj, '200'),
    }),
    k.op({
      method: 'put', action: 'put', operationId: k.id('replace', suffix), description: `replace ${target}`,
      params: WRITE_PARAMS, body: k.obj, consumes: JSON_YAML, produces: JSON_YAML, responses: responses(k.obj, '200', '201'),
    }),
    k.op({
      method: 'patch', action: 'patch', operationId: k.id('patch', suffix), description: `partially update ${target}`,
      params: [...WRITE_PARAMS, FORCE], body: MetaName.Patch, consumes: PATCH_TYPES, produces: JSON_YAML, responses: responses(k.obj, '200', '201'),
    }),
  ];
}

/** list, create and deletecollection on the collection. */
function collectionOperations(k: KindContext): OperationSpec[] {
  const noWatch = LIST_PARAMS.filter((p) => !['watch', 'allowWatchBookmarks', 'sendInitialEvents'].includes(p.name));
  return [
    k.op({
      method: 'get', action: 'list', operationId: k.id('list'), description: `list or watch objects of kind ${k.type.kind}`,
      params: LIST_PARAMS, consumes: [], produces: WATCHABLE, responses: responses(k.list, '200'),
    }),
    k.op({
      method: 'post', action: 'post', operationId: k.id('create'), description: `create ${article(k.type.kind)} ${k.type.kind}`,
      params: WRITE_PARAMS, body: k.obj, consumes: JSON_YAML, produces: JSON_YAML, responses: responses(k.obj, '200', '201', '202'),
    }),
    k.op({
      method: 'delete', action: 'deletecollection', operationId: k.id('deletecollection'), description: `delete collection of ${k.type.kind}`,
      params: [...noWatch, ...DELETE_PARAMS], body: MetaName.DeleteOptions, consumes: JSON_YAML, produces: JSON_YAML, responses: responses(MetaName.Status, '200'),
    }),
  ];
}

/** Every path and operation of `type`: collection, item and status, plus the all-namespaces list. */
export function resourcePaths(type: ResourceType): PathSpec[] {
  const gv = camel(type.group, type.version);
  const scope = type.namespaced ? 'Namespaced' : '';
  const gvk: Gvk = { group: type.group, version: type.version, kind: type.kind };
  const tag = gv.charAt(0).toLowerCase() + gv.slice(1);
  const k: KindContext = {
    type,
    gv,
    obj: definitionName(type),
    list: definitionName(type, 'List'),
    op: (o) => ({ ...o, tag, gvk }),
    id: (verb, suffix = '') => `${verb}${gv}${scope}${type.kind}${suffix}`,
  };
  const prefix = groupVersionPrefix(type.group, type.version);
  const base = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}` : `${prefix}/${type.plural}`;
  const nsParam: ParamSpec[] = type.namespaced
    ? [{ name: 'namespace', in: 'path', type: 'string', required: true, description: 'Object name and auth scope, such as for teams and projects.' }]
    : [];
  const nameParam: ParamSpec = { name: 'name', in: 'path', type: 'string', required: true, description: `Name of the ${type.kind}.` };
  const deleteOne = k.op({
    method: 'delete', action: 'delete', operationId: k.id('delete'), description: `delete ${article(type.kind)} ${type.kind}`,
    params: DELETE_PARAMS, body: MetaName.DeleteOptions, consumes: JSON_YAML, produces: JSON_YAML, responses: responses(MetaName.Status, '200', '202'),
  });
  const paths: PathSpec[] = [
    { path: base, params: [...nsParam, PRETTY], operations: collectionOperations(k) },
    { path: `${base}/{name}`, params: [nameParam, ...nsParam, PRETTY], operations: [...itemOperations(k, '', ''), deleteOne] },
    { path: `${base}/{name}/status`, params: [nameParam, ...nsParam, PRETTY], operations: itemOperations(k, 'status', 'Status') },
  ];
  if (type.namespaced) {
    const listAll = k.op({
      method: 'get', action: 'list', operationId: `list${gv}${type.kind}ForAllNamespaces`,
      description: `list or watch objects of kind ${type.kind} in all namespaces`,
      params: LIST_PARAMS, consumes: [], produces: WATCHABLE, responses: responses(k.list, '200'),
    });
    paths.push({ path: `${prefix}/${type.plural}`, params: [PRETTY], operations: [listAll] });
  }
  return paths;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

/** The `GET /apis/<group>/<version>/` operation returning the APIResourceList. */
export function apiResourcesPath(group: string, version: string): PathSpec {
  const gv = camel(group, version);
  return {
    path: `${groupVersionPrefix(group, version)}/`,
    params: [],
    operations: [
      {
        method: 'get',
        action: 'get',
        operationId: `get${gv}APIResources`,
        description: 'get available resources',
        tag: gv.charAt(0).toLowerCase() + gv.slice(1),
        params: [],
        consumes: [],
        produces: JSON_YAML,
        responses: [{ code: '200', description: 'OK', ref: MetaName.APIResourceList }, UNAUTHORIZED],
      },
    ],
  };
}
