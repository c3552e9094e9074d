/**
 * Kubernetes RBAC rule semantics, pure functions (k8s.io/kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go and
 * pkg/registry/rbac/validation): whether a rule allows a request, and whether a set of rules covers another
 * (the escalation check). Kept apart from the caches so both the authorizer and the write admission share one
 * definition of `*`, `resource/subresource`, `*` + `/subresource`, resourceNames and `/path*`.
 */
import type { PolicyRule } from '../../../schemas/rbac.js';
import type { RequestAttributes } from '../types.js';

/** Matches every verb, API group, resource or non-resource URL. */
export const ALL = '*';

const has = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).includes(value);
const hasOrAll = (list: readonly string[] | undefined, value: string): boolean => has(list, ALL) || has(list, value);

/**
 * Whether `rule` lets a request with these attributes through. A rule with resourceNames matches only requests
 * that name an object, so it never allows list, watch, create or deletecollection (whose requests carry no name).
 */
export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (!hasOrAll(rule.verbs, attributes.verb)) return false;
  if (!attributes.resourceRequest) return nonResourceUrlMatches(rule.nonResourceURLs, attributes.path);
  if (!hasOrAll(rule.apiGroups, attributes.group)) return false;
  const combined = attributes.subresource !== undefined ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  if (!resourceMatches(rule.resources, combined, attributes.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attributes.name !== undefined && names.includes(attributes.name));
}

function resourceMatches(resources: readonly string[] | undefined, combined: string, subresource: string | undefined): boolean {
  for (const resource of resources ?? []) {
    if (resource === ALL || resource === combined) return true;
    if (subresource !== undefined && resource === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceUrlMatches(urls: readonly string[] | undefined, path: string): boolean {
  return (urls ?? []).some((url) => url === ALL || url === path || (url.endsWith('*') && path.startsWith(url.slice(0, -1))));
}

/** One indivisible permission: a verb on one resource (optionally one name) of one group, or on one URL. */
interface AtomicRule {
  readonly verb: string;
  readonly group?: string;
  readonly resource?: string;
  readonly name?: string;
  readonly url?: string;
}

/** Splits a rule into its atomic permissions (kube's `BreakdownRule`). */
function breakdown(rule: PolicyRule): AtomicRule[] {
  const out: AtomicRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      const names = rule.resourceNames ?? [];
      for (const verb of rule.verbs) {
        if (names.length === 0) out.push({ verb, group, resource });
        else for (const name of names) out.push({ verb, group, resource, name });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ verb, url });
  return out;
}

// `*` covers every resource; a rule naming `*` + `/status` covers `instances/status` (no `pods/*`-style parents in kube).
function resourceCovers(owned: readonly string[] | undefined, resource: string): boolean {
  if (has(owned, ALL) || has(owned, resource)) return true;
  const slash = resource.indexOf('/');
  return slash >= 0 && has(owned, `*/${resource.slice(slash + 1)}`);
}

function urlCovers(owned: string, url: string): boolean {
  return owned === url || (owned.endsWith('*') && url.startsWith(owned.slice(0, -1)));
}

/** kube's `ruleCovers` for one atomic permission: the owner rule grants at least as much. */
function covers(owner: PolicyRule, atom: AtomicRule): boolean {
  if (!hasOrAll(owner.verbs, atom.verb)) return false;
  if (atom.url !== undefined) return (owner.nonResourceURLs ?? []).some((u) => urlCovers(u, atom.url ?? ''));
  if (!hasOrAll(owner.apiGroups, atom.group ?? '')) return false;
  if (!resourceCovers(owner.resources, atom.resource ?? '')) return false;
  const names = owner.resourceNames ?? [];
  return names.length === 0 || (atom.name !== undefined && names.includes(atom.name));
}

/**
 * The parts of `requested` that no rule of `owned` covers, compacted back into rules (one per group,
 * resource and name, or URL, listing the missing verbs); empty when `owned` covers everything.
 */
export function uncoveredRules(owned: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const missing = new Map<string, { rule: Omit<PolicyRule, 'verbs'>; verbs: string[] }>();
  for (const rule of requested) {
    for (const atom of breakdown(rule)) {
      if (owned.some((o) => covers(o, atom))) continue;
      const key = JSON.stringify([atom.group, atom.resource, atom.name, atom.url]);
      const entry = missing.get(key) ?? {
        rule:
          atom.url !== undefined
            ? { nonResourceURLs: [atom.url] }
            : { apiGroups: [atom.group ?? ''], resources: [atom.resource ?? ''], ...(atom.name !== undefined ? { resourceNames: [atom.name] } : {}) },
        verbs: [],
      };
      if (!entry.verbs.includes(atom.verb)) entry.verbs.push(atom.verb);
      missing.set(key, entry);
    }
  }
  return [...missing.values()].map(({ rule, verbs }) => ({ ...rule, verbs }));
}

/** A rule as kube prints it in escalation errors: `{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}`. */
export function compactRuleString(rule: PolicyRule): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const parts: string[] = [];
  if ((rule.apiGroups ?? []).length > 0) parts.push(`APIGroups:${list(rule.apiGroups ?? [])}`);
  if ((rule.resources ?? []).length > 0) parts.push(`Resources:${list(rule.resources ?? [])}`);
  if ((rule.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${list(rule.resourceNames ?? [])}`);
  if ((rule.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs ?? [])}`);
  parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
