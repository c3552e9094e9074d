import type { ResourceType } from '../../schemas/types.js';
import type { ApiReview } from './deps.js';

const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

/** A group and the versions it serves, derived from the registered resource types. */
interface GroupVersions {
  readonly group: string;
  readonly versions: string[];
}

/** One resource as discovery lists it: a stored kind (all verbs, status subresource) or a review (create only). */
interface Discoverable {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly hasStatus: boolean;
}

/** What discovery describes: the stored kinds and the computed review kinds. */
export interface DiscoverySource {
  readonly types: readonly ResourceType[];
  readonly reviews?: readonly ApiReview[];
}

function discoverables(source: DiscoverySource): Discoverable[] {
  return [
    ...source.types.map((t) => ({
      group: t.group,
      version: t.version,
      plural: t.plural,
      singular: t.singular,
      kind: t.kind,
      namespaced: t.namespaced,
      verbs: RESOURCE_VERBS,
      shortNames: t.shortNames,
      categories: t.categories,
      // Kinds without spec/status (core Events) have no status subresource.
      hasStatus: t.topLevel === undefined,
    })),
    ...(source.reviews ?? []).map((r) => ({
      group: r.group,
      version: r.version,
      plural: r.plural,
      singular: r.singular,
      kind: r.kind,
      namespaced: false,
      verbs: ['create'],
      shortNames: [],
      categories: [],
      hasStatus: false,
    })),
  ];
}

function groupsOf(types: readonly Discoverable[]): GroupVersions[] {
  const byGroup = new Map<string, string[]>();
  for (const t of types) {
    if (t.group === '') continue;
    const versions = byGroup.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    byGroup.set(t.group, versions);
  }
  return [...byGroup].map(([group, versions]) => ({ group, versions }));
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: GroupVersions) {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

/** `/apis`: every named group (legacy discovery). */
export function apiGroupList(source: DiscoverySource) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(discoverables(source)).map(apiGroup) };
}

/** `/apis/<group>`, or undefined if the group is not served. */
export function apiGroupOf(source: DiscoverySource, group: string) {
  const g = groupsOf(discoverables(source)).find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

/** `/apis/<group>/<version>` or `/api/v1`: the resources of one group-version with verbs, short names, categories. */
export function apiResourceList(source: DiscoverySource, group: string, version: string) {
  const resources = discoverables(source)
    .filter((t) => t.group === group && t.version === version)
    .flatMap((t) => [
      {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: [...t.verbs],
        shortNames: [...t.shortNames],
        categories: [...t.categories],
      },
      ...(t.hasStatus ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: [...STATUS_VERBS] }] : []),
    ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}

/** Content type of aggregated discovery responses (kubectl ≥1.26 asks for it first). */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Aggregated discovery (`apidiscovery.k8s.io/v2` APIGroupDiscoveryList) for `/api` (core) or `/apis`. */
export function aggregatedDiscovery(source: DiscoverySource, core: boolean) {
  const all = discoverables(source);
  const groups = core ? [{ group: '', versions: ['v1'] }] : groupsOf(all);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: all
          .filter((t) => t.group === g.group && t.version === version)
          .map((t) => ({
            resource: t.plural,
            responseKind: { group: t.group, version: t.version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: [...t.verbs],
            shortNames: [...t.shortNames],
            categories: [...t.categories],
            subresources: t.hasStatus
              ? [{ subresource: 'status', responseKind: { group: t.group, version: t.version, kind: t.kind }, verbs: [...STATUS_VERBS] }]
              : [],
          })),
      })),
    })),
  };
}
