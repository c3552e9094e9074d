/**
 * Strategic merge patch for built-in kinds (Secret, Event, RBAC, Lease). Their bodies hold no list with a patch strategy, so a
 * strategic merge patch of them IS a JSON merge patch, provided it carries no directive (`$patch`,
 * `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) and leaves alone the two metadata lists
 * that merge by key (`finalizers`, `ownerReferences`). That covers what `kubectl apply` (client-side) and
 * `kubectl edit` send for a Secret; anything else is refused rather than applied with the wrong semantics.
 */
import type { ResourceType } from '../../../schemas/types.js';
import { ConvergeError, ErrorCode } from '../../errors/index.js';

const MERGE_KEYED_METADATA = ['finalizers', 'ownerReferences'] as const;

/** The first directive key in `value` (depth-first), or undefined. */
function directiveIn(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = directiveIn(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) return key;
    const found = directiveIn(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

function unsupported(message: string): ConvergeError {
  return new ConvergeError(ErrorCode.UnsupportedMediaType, `strategic merge patch ${message}: use application/merge-patch+json or server-side apply`);
}

/** Built-in API groups served here whose kinds, like core Secrets, have no list with a patch strategy. */
const BUILT_IN_GROUPS = new Set(['', 'rbac.authorization.k8s.io', 'coordination.k8s.io']);

/**
 * True when `type` takes strategic merge patches: the built-in kinds (core, RBAC — whose `subjects` and
 * `rules` replace as a whole in kube too — and Lease). Converge kinds are custom resources, for which
 * kube-apiserver refuses them too.
 */
export function acceptsStrategicMergePatch(type: ResourceType): boolean {
  return BUILT_IN_GROUPS.has(type.group);
}

/** Checks that `patch` means the same as a JSON merge patch and returns it; throws 415 otherwise. */
export function strategicAsMergePatch<T>(patch: T): T {
  const directive = directiveIn(patch);
  if (directive !== undefined) throw unsupported(`directive "${directive}" is not supported`);
  const meta = patch !== null && typeof patch === 'object' && !Array.isArray(patch) ? (patch as Record<string, unknown>)['metadata'] : undefined;
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    for (const field of MERGE_KEYED_METADATA) {
      if ((meta as Record<string, unknown>)[field] !== undefined) throw unsupported(`of metadata.${field} is not supported`);
    }
  }
  return patch;
}
