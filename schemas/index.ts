/**
 * The registry of Converge kinds and kubectl-style lookup (`inst`, `instances`, `Instance`,
 * `instances.converge.io`, `instance.v1alpha1.converge.io`).
 */
import type { ResourceType } from './types.js';
import { bucketType } from './bucket.js';
import { eventType } from './event.js';
import { gitRepositoryType } from './gitrepository.js';
import { instanceType } from './instance.js';
import { ipAllocationType } from './ipallocation.js';
import { leaseType } from './lease.js';
import { namespaceType } from './namespace.js';
import { networkType } from './network.js';
import { poolType } from './pool.js';
import { providerConfigType } from './providerconfig.js';
import { clusterRoleBindingType, clusterRoleType, roleBindingType, roleType } from './rbac.js';
import { secretType } from './secret.js';
import { volumeType } from './volume.js';

export { clusterRoleBindingType, clusterRoleType, roleBindingType, roleType } from './rbac.js';
export { bucketType, eventType, gitRepositoryType, instanceType, ipAllocationType, leaseType, namespaceType, networkType, poolType, providerConfigType, secretType, volumeType };

/** Every Converge kind, in a stable order (used for discovery, OpenAPI and CRDs; see {@link servedTypes}). */
export const resourceTypes: readonly ResourceType[] = [
  instanceType,
  volumeType,
  bucketType,
  networkType,
  poolType,
  ipAllocationType,
  providerConfigType,
  gitRepositoryType,
];

/** Core kinds (group `""`, served under `/api/v1`) the API server serves alongside the Converge kinds; no CRDs. */
export const coreTypes: readonly ResourceType[] = [eventType, secretType, namespaceType];

/**
 * Built-in Kubernetes kinds of named groups the API server serves so that the in-cluster code paths run
 * against it too (`coordination.k8s.io/v1` Lease for leader election) and access is governed the Kubernetes
 * way (`rbac.authorization.k8s.io/v1` roles and bindings); no CRDs.
 */
export const builtinGroupTypes: readonly ResourceType[] = [leaseType, clusterRoleBindingType, clusterRoleType, roleBindingType, roleType];

/** Every kind the API server serves: the Converge kinds, then the core kinds, then the built-in group kinds. */
export const servedTypes: readonly ResourceType[] = [...resourceTypes, ...coreTypes, ...builtinGroupTypes];

/** What to look a kind up by. Every given criterion must match; `resource` matches any name form. */
export interface ResourceQuery {
  /** API group; when absent any group matches (unless `resource` carries one). */
  readonly group?: string;
  readonly version?: string;
  /** Exact plural, e.g. `instances`. */
  readonly plural?: string;
  /** Kind, case-insensitive, e.g. `Instance`. */
  readonly kind?: string;
  /** Exact short name, e.g. `inst`. */
  readonly shortName?: string;
  /**
   * What a user typed after `kubectl get`: plural, singular, kind or short name (case-insensitive),
   * optionally qualified as `<name>.<group>` or `<name>.<version>.<group>`.
   */
  readonly resource?: string;
}

function matchesName(type: ResourceType, name: string): boolean {
  const n = name.toLowerCase();
  return (
    type.plural === n ||
    type.singular === n ||
    type.kind.toLowerCase() === n ||
    type.shortNames.includes(n)
  );
}

/** Splits `instances.v1alpha1.converge.io` into name, version and group candidates. */
function qualifiedCandidates(resource: string): { name: string; version?: string; group?: string }[] {
  const out: { name: string; version?: string; group?: string }[] = [{ name: resource }];
  const parts = resource.split('.');
  if (parts.length >= 2) {
    out.push({ name: parts[0] ?? '', group: parts.slice(1).join('.') });
  }
  if (parts.length >= 3) {
    out.push({ name: parts[0] ?? '', version: parts[1] ?? '', group: parts.slice(2).join('.') });
  }
  return out;
}

/**
 * The first kind in `types` (default {@link resourceTypes}) matching `query`, or undefined.
 * Plural, short name and kind lookups follow kubectl: names are case-insensitive and a resource may be
 * group-qualified.
 */
export function findResourceType(
  query: ResourceQuery,
  types: readonly ResourceType[] = resourceTypes,
): ResourceType | undefined {
  const base = types.filter(
    (t) =>
      (query.group === undefined || t.group === query.group) &&
      (query.version === undefined || t.version === query.version) &&
      (query.plural === undefined || t.plural === query.plural) &&
      (query.kind === undefined || t.kind.toLowerCase() === query.kind.toLowerCase()) &&
      (query.shortName === undefined || t.shortNames.includes(query.shortName)),
  );
  if (query.resource === undefined) return base[0];
  for (const candidate of qualifiedCandidates(query.resource)) {
    const found = base.find(
      (t) =>
        matchesName(t, candidate.name) &&
        (candidate.group === undefined || t.group === candidate.group) &&
        (candidate.version === undefined || t.version === candidate.version),
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The kind served as `apiVersion`/`kind` (exact kind match, as in object bodies), or undefined. */
export function resourceTypeForObject(
  apiVersion: string,
  kind: string,
  types: readonly ResourceType[] = resourceTypes,
): ResourceType | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return types.find((t) => t.group === group && t.version === version && t.kind === kind);
}
