/**
 * What an Instance references: Volumes (`spec.volumes[].volumeRef`) and Networks (`spec.networks[].networkRef`),
 * in its own namespace. The Instance kind depends on them (it is not created before they are Ready), and the
 * Volume and Network kinds use the reverse direction to keep their external resource while an Instance uses it.
 */
import { instanceType, networkType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import { refTo, type ObjectLookup, type ObjectRef } from '../../src/managed/index.js';
import type { Request } from '../../src/runtime/index.js';

/** One reference list of an Instance: the spec list, the key of the ref in each item, the referenced type. */
export interface InstanceReference {
  readonly list: string;
  readonly refKey: string;
  readonly type: ResourceType;
}

/** The Instance's references to Volumes and Networks. */
export const InstanceReferences = {
  volumes: { list: 'volumes', refKey: 'volumeRef', type: volumeType },
  networks: { list: 'networks', refKey: 'networkRef', type: networkType },
} as const satisfies Record<string, InstanceReference>;

/** Names referenced by `spec[list][*][refKey].name`, in spec order, repeats kept (two NICs may share a network). */
export function referenceList(instance: KubeObject, reference: InstanceReference): string[] {
  const items = instance.spec?.[reference.list];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    const ref = item[reference.refKey];
    const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
    return typeof name === 'string' ? [name] : [];
  });
}

/** Names referenced by `spec[list][*][refKey].name`, each once, in order. */
export function referencedNames(instance: KubeObject, reference: InstanceReference): string[] {
  return [...new Set(referenceList(instance, reference))];
}

/** The objects `instance` names through `reference`, as reconcile requests of the referenced kind. */
export function requestsReferencedBy(reference: InstanceReference): (instance: KubeObject) => Request[] {
  return (instance) =>
    referencedNames(instance, reference).map((name) => ({ ...(instance.metadata.namespace !== undefined ? { namespace: instance.metadata.namespace } : {}), name }));
}

/** Every Volume and Network `instance` needs before it can be created (the Instance kind's `dependenciesOf`). */
export function instanceDependencies(instance: KubeObject): ObjectRef[] {
  const refs = (reference: InstanceReference): ObjectRef[] =>
    referencedNames(instance, reference).map((name) => ({ type: reference.type, ...(instance.metadata.namespace !== undefined ? { namespace: instance.metadata.namespace } : {}), name }));
  return [...refs(InstanceReferences.volumes), ...refs(InstanceReferences.networks)];
}

/**
 * The Instances in `obj`'s namespace that name it through `reference`, whatever their state (a deleting
 * Instance may still be using it): the `dependentsOf` of the Volume and Network kinds.
 */
export function instancesReferencing(reference: InstanceReference): (obj: KubeObject, lookup: ObjectLookup) => Promise<ObjectRef[]> {
  return async (obj, lookup) => {
    const instances = await lookup.list(instanceType, obj.metadata.namespace);
    return instances
      .filter((i) => i.metadata.namespace === obj.metadata.namespace && referencedNames(i, reference).includes(obj.metadata.name))
      .map((i) => refTo(instanceType, i));
  };
}
