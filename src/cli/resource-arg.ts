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
    const known = servedTypes.map((t) => `${t.plural} (${t.shortNames.join(', ')})`).join(', ');
    throw new CliError(`unknown resource type "${text}"; known: ${known}`, 1);
  }
  return type;
}

/** Splits `KIND NAME…` or `KIND/NAME` arguments into a type and names. */
export function parseTargets(args: readonly string[]): { type: ResourceType; names: string[] } {
  const [first, ...rest] = args;
  if (first === undefined) throw new CliError('expected a resource type, e.g. "instances" or "instance/web-1"', 2);
  const slash = first.indexOf('/');
  if (slash >= 0) {
    const type = resolveKind(first.slice(0, slash));
    const names = [first.slice(slash + 1), ...rest.map((r) => (r.includes('/') ? r.slice(r.indexOf('/') + 1) : r))];
    return { type, names: names.filter((n) => n !== '') };
  }
  return { type: resolveKind(first), names: rest };
}

/** The kind as kubectl names it in its output: `instance.converge.io`, and just `secret` for the core group. */
export function qualifiedKind(type: ResourceType): string {
  return type.group === '' ? type.singular : `${type.singular}.${type.group}`;
}

/** `instance.converge.io/web-1` (`secret/app-creds` for core kinds), as kubectl names objects in its output. */
export function objectRef(type: ResourceType, name: string): string {
  return `${qualifiedKind(type)}/${name}`;
}
