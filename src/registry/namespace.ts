/**
 * The Namespace lifecycle in the registry (kube-apiserver's namespace strategy plus the NamespaceLifecycle
 * admission plugin, scaled to Converge): a created Namespace is `Active` with `spec.finalizers` defaulted to
 * `["kubernetes"]`; deleting one only marks it `Terminating` while `spec.finalizers` is non-empty (the
 * namespace controller empties the namespace, then removes its finalizer, and that update removes it); the
 * built-in namespaces cannot be deleted; and nothing new may be created in a terminating namespace.
 *
 * A namespace without a Namespace object stays usable: Converge's namespaces were implicit before this kind
 * existed, and users and tests rely on it.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { dns1123LabelProblem } from '../../schemas/names.js';
import { IMMORTAL_NAMESPACES, NamespacePhase, namespaceType } from '../../schemas/namespace.js';
import { ForbiddenError, type FieldCause } from '../errors/index.js';
import { cause } from './causes.js';
import { decodeObject } from './codec.js';
import type { RegistryContext } from './context.js';
import { objectKey } from './keys.js';
import { qualifiedResource } from './names.js';

/** True for the core v1 Namespace kind. */
export function isNamespaceType(type: Pick<ResourceType, 'group' | 'kind'>): boolean {
  return type.group === '' && type.kind === namespaceType.kind;
}

function isNamespaceObject(obj: KubeObject): boolean {
  return obj.apiVersion === 'v1' && obj.kind === namespaceType.kind;
}

/** `spec.finalizers` of a Namespace object (empty for anything else). */
export function namespaceFinalizers(obj: KubeObject): string[] {
  if (!isNamespaceObject(obj)) return [];
  const list = obj.spec?.['finalizers'];
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string') : [];
}

/** True when `obj` is a Namespace whose `spec.finalizers` still hold it (it may not be removed yet). */
export function heldBySpecFinalizers(obj: KubeObject): boolean {
  return namespaceFinalizers(obj).length > 0;
}

/**
 * Completes a Namespace being created (phase `Active`) and returns what is wrong with it: the name must be a
 * DNS-1123 label, as kube requires, since it becomes part of other objects' metadata.
 */
export function prepareNamespaceCreate(obj: KubeObject): FieldCause[] {
  obj.status = { phase: NamespacePhase.Active };
  const problem = dns1123LabelProblem(obj.metadata.name);
  return problem === undefined ? [] : [cause.invalid('metadata.name', `Invalid value: ${JSON.stringify(obj.metadata.name)}: ${problem}`)];
}

/** What an update of a Namespace may not do: add `spec.finalizers` once it is terminating (kube refuses too). */
export function namespaceUpdateCauses(old: KubeObject, next: KubeObject): FieldCause[] {
  if (old.metadata.deletionTimestamp === undefined) return [];
  const before = new Set(namespaceFinalizers(old));
  const added = namespaceFinalizers(next).filter((f) => !before.has(f));
  if (added.length === 0) return [];
  return [cause.forbidden('spec.finalizers', `Forbidden: no new finalizers can be added if the namespace is being terminated, found new finalizers ${JSON.stringify(added)}`)];
}

/** Throws 403 for the built-in namespaces, with kube's message. */
export function checkNamespaceDeletable(name: string): void {
  if (!IMMORTAL_NAMESPACES.includes(name)) return;
  throw new ForbiddenError(`${namespaceType.plural} "${name}" is forbidden: this namespace may not be deleted`, { kind: namespaceType.plural, name });
}

/** The Namespace as stored once deletion was requested: phase `Terminating`, other status kept. */
export function terminatingNamespace(obj: KubeObject): KubeObject {
  return { ...obj, status: { ...(obj.status ?? {}), phase: NamespacePhase.Terminating } };
}

/**
 * NamespaceLifecycle admission of a create: refuses (403, kube's message and cause) a namespaced object whose
 * Namespace object exists and is terminating. A namespace without an object is allowed (implicit namespaces).
 */
export async function admitCreateInNamespace(ctx: RegistryContext, type: ResourceType, obj: KubeObject): Promise<void> {
  const namespace = obj.metadata.namespace;
  if (!type.namespaced || namespace === undefined) return;
  const kv = await ctx.backend.get(objectKey(namespaceType, undefined, namespace));
  if (kv === undefined) return;
  const ns = decodeObject(kv);
  const terminating = ns.metadata.deletionTimestamp !== undefined || ns.status?.['phase'] === NamespacePhase.Terminating;
  if (!terminating) return;
  const name = obj.metadata.name;
  throw new ForbiddenError(
    `${qualifiedResource(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    {
      kind: type.plural,
      name,
      causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace', message: `namespace ${namespace} is being terminated` }],
    },
  );
}
