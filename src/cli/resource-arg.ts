import { findResourceType, servedTypes } from '../../schemas/index.js';
import type { ResourceType } from '../../schemas/types.js';
import { CliError } from './errors.js';

/**
 * Resolves what a user typed for a kind (`instances`, `instance`, `inst`, `Instance`, `instances.converge.io`),
 * and `KIND/NAME` forms. Unknown kinds list the known ones.
 */
export function resolveKind(text: string): ResourceType {
  const type = findResourceType({ resource: text }, servedTypes);
  if (!type) {
    const known = servedTypes.map((t) => (t.shortNames.length > 0 ? `${t.plural} (${t.shortNames.join(', ')})` : t.plural)).join(', ');
    throw new CliError(`unknown resource type "${text}"; known: ${known}`, 1);
  }
  return type;
}

/** One resource type and the names given for it (none: all of them). */
export interface TargetGroup {
  readonly type: ResourceType;
  readonly names: string[];
}

/** The kinds a word stands for: one kind, or every served kind in that category (`converge`, `managed`). */
function kindsFor(word: string): ResourceType[] {
  const inCategory = servedTypes.filter((t) => t.categories.includes(word));
  if (inCategory.length > 0 && !findResourceType({ resource: word }, servedTypes)) return inCategory;
  return [resolveKind(word)];
}

function addNames(groups: Map<ResourceType, string[]>, type: ResourceType, names: readonly string[]): void {
  const list = groups.get(type) ?? [];
  list.push(...names.filter((n) => n !== ''));
  groups.set(type, list);
}

/**
 * Splits what a user typed after a command into types and names, as kubectl does: `KIND[,KIND…] [NAME…]`
 * (a kind may be a category: `converge`, `managed`), or `KIND/NAME…` with kinds that may differ
 * (`instance/web-1 volume/web-1-root`; a bare NAME after one belongs to the kind before it).
 * Groups come in the order first named, each type once.
 */
export function parseTargetGroups(args: readonly string[]): TargetGroup[] {
  const [first, ...rest] = args;
  if (first === undefined) throw new CliError('expected a resource type, e.g. "instances" or "instance/web-1"', 2);
  const groups = new Map<ResourceType, string[]>();
  if (first.includes('/')) {
    let current: ResourceType | undefined;
    for (const arg of args) {
      const slash = arg.indexOf('/');
      if (slash < 0) {
        addNames(groups, current!, [arg]);
        continue;
      }
      current = resolveKind(arg.slice(0, slash));
      addNames(groups, current, [arg.slice(slash + 1)]);
    }
  } else {
    const kinds = first.split(',').filter((k) => k !== '').flatMap(kindsFor);
    if (kinds.length === 0) throw new CliError(`expected a resource type, got "${first}"`, 2);
    const slashed = rest.find((r) => r.includes('/'));
    if (slashed !== undefined) throw new CliError(`"${slashed}": give KIND NAME… or KIND/NAME…, not both`, 2);
    for (const type of kinds) addNames(groups, type, rest);
  }
  return [...groups].map(([type, names]) => ({ type, names }));
}

/** Like {@link parseTargetGroups} for commands that take one resource type; more than one is a usage error. */
export function parseTargets(args: readonly string[]): TargetGroup {
  const groups = parseTargetGroups(args);
  if (groups.length !== 1) throw new CliError(`expected one resource type, got ${groups.map((g) => g.type.plural).join(', ')}`, 2);
  return groups[0]!;
}

/** The kind as kubectl names it in its output: `instance.converge.io`, and just `secret` for the core group. */
export function qualifiedKind(type: ResourceType): string {
  return type.group === '' ? type.singular : `${type.singular}.${type.group}`;
}

/** `instance.converge.io/web-1` (`secret/app-creds` for core kinds), as kubectl names objects in its output. */
export function objectRef(type: ResourceType, name: string): string {
  return `${qualifiedKind(type)}/${name}`;
}
