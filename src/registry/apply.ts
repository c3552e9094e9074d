import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { BadRequestError, ConflictError, isAlreadyExists, isNotFound } from '../errors/index.js';
import { serverSideApply } from '../apiserver/ssa/index.js';
import { withoutResourceVersion } from './codec.js';
import type { RegistryContext, WriteOptions } from './context.js';
import { createObject, updateObject } from './write.js';

/** Options of {@link applyObject}. */
export interface ApplyObjectOptions extends Omit<WriteOptions, 'fieldManager'> {
  /** Field manager that owns the applied fields (required for apply). */
  readonly manager: string;
  /** Take ownership of fields other managers own instead of failing with 409. */
  readonly force?: boolean;
  readonly subresource?: 'status';
}

/** Result of {@link applyObject}. */
export interface ApplyObjectResult {
  readonly object: KubeObject;
  /** True when the apply created the object. */
  readonly created: boolean;
}

const MAX_ATTEMPTS = 3;

/**
 * Server-side apply of a (partial) configuration: merges it into the stored object with field ownership per
 * manager (409 `ConflictError` naming each conflicting field unless `force`), or creates the object when it does
 * not exist. An apply that changes nothing writes nothing. Shared by the HTTP API and the in-process client.
 */
export async function applyObject(
  ctx: RegistryContext,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  applied: unknown,
  options: ApplyObjectOptions,
): Promise<ApplyObjectResult> {
  if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) {
    throw new BadRequestError('apply patch must be a YAML or JSON object');
  }
  const config = applied as KubeObject;
  const bodyName = (config.metadata as { name?: unknown } | undefined)?.name;
  if (bodyName !== undefined && bodyName !== name) {
    throw new BadRequestError(`the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`);
  }
  const { manager, force, subresource, ...write } = options;
  const apply = (live: KubeObject | undefined) =>
    serverSideApply({ live, applied: config, manager, force: force ?? false, now: ctx.now(), subresource }).object;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const object = await updateObject(ctx, type, namespace, name, undefined, {
        ...write,
        subresource: subresource ?? 'main',
        mutate: (current) => apply(withoutResourceVersion(current)),
      });
      return { object, created: false };
    } catch (err) {
      if (!isNotFound(err) || subresource) throw err;
    }
    try {
      return { object: await createObject(ctx, type, namespace, apply(undefined), write), created: true };
    } catch (err) {
      // Created by someone else in between: apply onto it instead.
      if (!isAlreadyExists(err)) throw err;
    }
  }
  throw new ConflictError(`apply of "${name}" kept racing with concurrent creates and deletes; retry`);
}
