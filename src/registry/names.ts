import type { ResourceType } from '../../schemas/types.js';
import { ConflictError, NotFoundError, AlreadyExistsError } from '../errors/index.js';

/** `instances.converge.io` (or `events` for the core group): how kube-apiserver names a resource in messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** The Kubernetes-worded 404 for one object. */
export function notFound(type: ResourceType, name: string): NotFoundError {
  return new NotFoundError(`${qualifiedResource(type)} "${name}" not found`, { kind: type.plural, name });
}

/** The Kubernetes-worded 409 for a create of an existing name. */
export function alreadyExists(type: ResourceType, name: string): AlreadyExistsError {
  return new AlreadyExistsError(`${qualifiedResource(type)} "${name}" already exists`, { kind: type.plural, name });
}

/** The Kubernetes-worded 409 for a lost compare-and-swap. */
export function modified(type: ResourceType, name: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { kind: type.plural, name },
  );
}
