import type { ResourceType } from '../../schemas/types.js';
import { BadRequestError } from '../errors/index.js';

/**
 * The namespace a request on one object uses: required for namespaced kinds (BadRequestError naming the kind),
 * ignored for cluster-scoped ones. Both clients apply the same rule so callers see the same error.
 */
export function scopeOf(type: ResourceType, namespace: string | undefined): string | undefined {
  if (!type.namespaced) return undefined;
  if (namespace === undefined || namespace === '') {
    throw new BadRequestError(`${type.kind} is namespaced: a namespace is required`);
  }
  return namespace;
}
