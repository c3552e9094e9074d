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
  const group = type.group === '' ? 'io.k8s.api.core' : type.group.split('.').reverse().join('.');
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

/** Every path and operation of `type`: collection, item and status, plus the all-namespaces list. */
export function resourcePaths(type: ResourceType): PathSpec[] {
  const gv = camel(type.group, type.version);
  const scope = type.namespaced ? 'Namespaced' : '';
  const id = (verb: string, suffix = '') => `${verb}${gv}${scope}${type.kind}${suffix}`;
  const gvk: Gvk = { group: type.group, version: type.version, kind: type.kind };
  const tag = gv.charAt(0).toLowerCase() + gv.slice(1);
  const obj = definitionName(type);
  const list = definitionName(type, 'List');
  const prefix = groupVersionPrefix(type.group, type.version);
  const base = type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}` : `${prefix}/${type.plural}`;
  const nsParam: ParamSpec[] = type.namespaced
    ? [{ name: 'namespace', in: 'path', type: 'string', required: true, description: 'Object name and auth scope, such as for teams and projects.' }]
    : [];
  const nameParam: ParamSpec = { name: 'name', in: 'path', type: 'string', required: true, description: `Name of the ${type.kind}.` };
  const op = (o: Omit<OperationSpec, 'tag' | 'gvk'>): OperationSpec => ({ ...o, tag, gvk });
  const ok = (ref: string, ...codes: string[]): ResponseSpec[] => [
    ...codes.map((code) => ({ code, description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', ref })),
    UNAUTHORIZED,
  ];
  const write = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
  const item = (what: string, suffix: string): OperationSpec[] => {
    const target = what === '' ? `the specified ${type.kind}` : `${what} of the specified ${type.kind}`;
    return [
    op({ method: 'get', action: 'get', operationId: id('read', suffix), description: `read ${target}`, params: [q('resourceVersion', 'string', 'Serve the object at this revision or newer.')], consumes: [], produces: JSON_YAML, responses: ok(obj, '200') }),
    op({ method: 'put', action: 'put', operationId: id('replace', suffix), description: `replace ${target}`, params: write, body: obj, consumes: JSON_YAML, produces: JSON_YAML, responses: ok(obj, '200', '201') }),
    op({ method: 'patch', action: 'patch', operationId: id('patch', suffix), description: `partially update ${target}`, params: [...write, FORCE], body: MetaName.Patch, consumes: PATCH_TYPES, produces: JSON_YAML, responses: ok(obj, '200', '201') }),
    ];
  };
  const paths: PathSpec[] = [
    {
      path: base,
      params: [...nsParam, PRETTY],
      operations: [
        op({ method: 'get', action: 'list', operationId: id('list'), description: `list or watch objects of kind ${type.kind}`, params: LIST_PARAMS, consumes: [], produces: WATCHABLE, responses: ok(list, '200') }),
        op({ method: 'post', action: 'post', operationId: id('create'), description: `create ${article(type.kind)} ${type.kind}`, params: write, body: obj, consumes: JSON_YAML, produces: JSON_YAML, responses: ok(obj, '200', '201', '202') }),
        op({ method: 'delete', action: 'deletecollection', operationId: id('deletecollection'), description: `delete collection of ${type.kind}`, params: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks' && p.name !== 'sendInitialEvents'), ...DELETE_PARAMS], body: MetaName.DeleteOptions, consumes: JSON_YAML, produces: JSON_YAML, responses: ok(MetaName.Status, '200') }),
      ],
    },
    {
      path: `${base}/{name}`,
      params: [nameParam, ...nsParam, PRETTY],
      operations: [
        ...item('', ''),
        op({ method: 'delete', action: 'delete', operationId: id('delete'), description: `delete ${article(type.kind)} ${type.kind}`, params: DELETE_PARAMS, body: MetaName.DeleteOptions, consumes: JSON_YAML, produces: JSON_YAML, responses: ok(MetaName.Status, '200', '202') }),
      ],
    },
    { path: `${base}/{name}/status`, params: [nameParam, ...nsParam, PRETTY], operations: item('status', 'Status') },
  ];
  if (type.namespaced) {
    paths.push({
      path: `${prefix}/${type.plural}`,
      params: [PRETTY],
      operations: [
        op({ method: 'get', action: 'list', operationId: `list${gv}${type.kind}ForAllNamespaces`, description: `list or watch objects of kind ${type.kind} in all namespaces`, params: LIST_PARAMS, consumes: [], produces: WATCHABLE, responses: ok(list, '200') }),
      ],
    });
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
