import { BadRequestError } from '../errors/index.js';

/** What a request addresses, resolved from its path and method (like kube-apiserver's RequestInfo). */
export type RequestInfo =
  | { readonly kind: 'nonResource'; readonly path: string }
  | {
      readonly kind: 'resource';
      /** `""` for the core group (`/api/v1`). */
      readonly group: string;
      readonly version: string;
      readonly namespace: string | undefined;
      /** Plural resource name from the URL, e.g. `instances`. */
      readonly resource: string;
      readonly name: string | undefined;
      readonly subresource: string | undefined;
      readonly verb: Verb;
    };

/** Kubernetes verbs, as RBAC and audit name them. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

function verbOf(method: string, hasName: boolean, isWatch: boolean): Verb | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (isWatch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      return hasName ? undefined : 'create';
    case 'PUT':
      return hasName ? 'update' : undefined;
    case 'PATCH':
      return hasName ? 'patch' : undefined;
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/**
 * Resolves `/api/v1/...` and `/apis/<group>/<version>/...` paths into a resource request; everything else
 * (discovery roots, `/openapi`, `/version`, health) is a non-resource request. Returns undefined for a
 * resource path whose method makes no sense (the caller answers 405).
 */
export function resolveRequestInfo(method: string, url: URL): RequestInfo | undefined {
  const parts = url.pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'nonResource', path: url.pathname };
  }
  for (const p of parts) {
    if (!SEGMENT.test(decodeURIComponent(p))) throw new BadRequestError(`invalid path segment "${p.slice(0, 64)}"`);
  }
  let namespace: string | undefined;
  // `/api/v1/namespaces/<name>/status` is the Namespace's own subresource, not a resource in that namespace
  // (kube-apiserver's namespaceSubresources).
  const namespaceSubresource = group === '' && rest.length === 3 && rest[2] === 'status';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return { kind: 'nonResource', path: url.pathname };
  const [resource, name, subresource] = rest as [string, string | undefined, string | undefined];
  const watchParam = url.searchParams.get('watch');
  const isWatch = watchParam === '1' || watchParam === 'true';
  const verb = verbOf(method, name !== undefined, isWatch);
  if (verb === undefined) return undefined;
  return { kind: 'resource', group, version, namespace, resource, name, subresource, verb };
}
