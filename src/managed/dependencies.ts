/**
 * Dependencies between managed objects: kinds declare which objects they need (an Instance needs its Volumes
 * and Networks) and which objects use them; this module judges whether a dependency is usable and words the
 * condition messages. Kinds report references, the reconciler decides (as drivers report and never decide).
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { isNotFound } from '../errors/index.js';

/** A reference to one object of `type` (namespace absent for cluster-scoped kinds). */
export interface ObjectRef {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name: string;
}

/** Read access to other objects for the dependency hooks of a kind; reads must be current, not cached. */
export interface ObjectLookup {
  /** The object, or undefined when it does not exist. */
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Every object of `type` in `namespace` (every namespace when undefined), all pages. */
  list(type: ResourceType, namespace: string | undefined): Promise<readonly KubeObject[]>;
}

/** One dependency that is not usable yet, and why (`not found`, `being deleted`, `Ready=False (…)`). */
export interface DependencyProblem {
  readonly ref: ObjectRef;
  readonly reason: string;
}

/**
 * An {@link ObjectLookup} reading through the API client. Deliberately not the informer caches: deciding that
 * nothing uses a Volume from a cache that has not yet seen a new Instance would delete a disk in use.
 */
export function clientLookup(client: ApiClient): ObjectLookup {
  return {
    async get(type, namespace, name) {
      try {
        return await client.get(type, namespace, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async list(type, namespace) {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      do {
        const page = await client.list(type, { ...(namespace !== undefined ? { namespace } : {}), limit: 500, ...(cont ? { continue: cont } : {}) });
        items.push(...page.items);
        cont = page.continue;
      } while (cont);
      return items;
    },
  };
}

/** `Volume default/data-1` (or `Pool lab` when cluster-scoped). */
export function refText(ref: ObjectRef): string {
  return `${ref.type.kind} ${ref.namespace !== undefined ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The reference to `obj` as an object of `type`. */
export function refTo(type: ResourceType, obj: KubeObject): ObjectRef {
  return { type, ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name };
}

interface ReadyCondition {
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly observedGeneration?: unknown;
}

function readyCondition(obj: KubeObject): ReadyCondition | undefined {
  const list = obj.status?.['conditions'];
  if (!Array.isArray(list)) return undefined;
  const found = list.find((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Ready');
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? found : undefined;
}

/**
 * Why `obj` cannot be depended on yet, or undefined when it can: it must exist, not be deleting, and be
 * Ready=True for its current generation (a Ready computed for an older spec says nothing about this one).
 */
export function unusableReason(obj: KubeObject | undefined): string | undefined {
  if (obj === undefined) return 'not found';
  if (obj.metadata.deletionTimestamp !== undefined) return 'being deleted';
  const ready = readyCondition(obj);
  if (ready === undefined) return 'not Ready yet (no Ready condition)';
  if (ready.status !== 'True') {
    const why = [ready.reason, ready.message].filter((s): s is string => typeof s === 'string' && s !== '').join(': ');
    return `Ready=${String(ready.status)}${why !== '' ? ` (${why})` : ''}`;
  }
  const observed = ready.observedGeneration ?? obj.status?.['observedGeneration'];
  const generation = obj.metadata.generation;
  if (typeof observed === 'number' && generation !== undefined && observed !== generation) {
    return `Ready=True is for generation ${observed}, not the current ${generation}`;
  }
  return undefined;
}

/** The problems of `refs` (duplicates looked at once), in the order given; empty when all are usable. */
export async function dependencyProblems(refs: readonly ObjectRef[], lookup: ObjectLookup): Promise<DependencyProblem[]> {
  const seen = new Set<string>();
  const problems: DependencyProblem[] = [];
  for (const ref of refs) {
    const key = `${ref.type.plural}/${refText(ref)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const reason = unusableReason(await lookup.get(ref.type, ref.namespace, ref.name));
    if (reason !== undefined) problems.push({ ref, reason });
  }
  return problems;
}

/** `waiting for Volume default/data-1: not found; waiting for Network default/lan: Ready=False (Creating: …)`. */
export function describeProblems(problems: readonly DependencyProblem[]): string {
  return problems.map((p) => `waiting for ${refText(p.ref)}: ${p.reason}`).join('; ');
}

/** How many users a message names before summarising the rest. */
const MAX_NAMED_USERS = 10;

/** `in use by Instance default/web-1; waiting for it to be deleted` (several users: `…, …; waiting for them …`). */
export function describeUsers(users: readonly ObjectRef[]): string {
  const named = users.slice(0, MAX_NAMED_USERS).map(refText).join(', ');
  const more = users.length > MAX_NAMED_USERS ? ` and ${users.length - MAX_NAMED_USERS} more` : '';
  return `in use by ${named}${more}; waiting for ${users.length === 1 ? 'it' : 'them'} to be deleted`;
}
