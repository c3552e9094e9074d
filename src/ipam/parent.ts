/**
 * The gate of a child Pool (`spec.parentRef`): it hands out nothing until the Pool controller has claimed
 * every one of its prefixes from the parent, which it records as `Ready=True` for the current generation.
 * Until then a range given from the child could overlap what the parent gives to someone else.
 */
import type { KubeObject } from '../../schemas/object.js';
import { UnavailableError } from '../errors/index.js';

/** `spec.parentRef.name` of a Pool object, or undefined for a root pool. */
export function parentNameOf(pool: KubeObject): string | undefined {
  const ref = pool.spec?.['parentRef'];
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return undefined;
  const name = ref['name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function readyOf(pool: KubeObject): { status?: unknown; reason?: unknown; message?: unknown; observedGeneration?: unknown } | undefined {
  const list = pool.status?.['conditions'];
  if (!Array.isArray(list)) return undefined;
  const found = list.find((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Ready');
  return found !== null && typeof found === 'object' && !Array.isArray(found) ? found : undefined;
}

/**
 * Returns when `pool` may hand out ranges: a root pool always, a child once its prefixes are claimed from the
 * parent (Ready=True stamped with the current generation; a spec change closes the gate until re-checked).
 * @throws UnavailableError (retryable) naming the pool, the parent and the child's Ready message otherwise.
 */
export function assertClaimedFromParent(pool: KubeObject): void {
  const parent = parentNameOf(pool);
  if (parent === undefined) return;
  const ready = readyOf(pool);
  if (ready?.status === 'True' && ready.observedGeneration === (pool.metadata.generation ?? 0)) return;
  const why = ready?.status === 'False' && typeof ready.message === 'string' ? `: ${ready.message}` : '';
  throw new UnavailableError(
    `pool "${pool.metadata.name}" hands out nothing until its cidrs are claimed from parent pool "${parent}"${why}`,
    { kind: 'Pool', name: pool.metadata.name },
  );
}
