/**
 * Resolves an Instance's references for the libvirt driver: each `spec.volumes[].volumeRef` to its Volume's
 * storage pool, volume name and format, each `spec.networks[].networkRef` to its Network's libvirt network, by
 * reading the referenced objects' `status.externalName`. The Instance is only created once they are Ready (its
 * dependencies), so a missing name means the object was deleted or not created yet: a retryable error.
 */
import { networkType, volumeType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../../src/client/types.js';
import { UnavailableError, isNotFound } from '../../src/errors/index.js';
import type { AttachmentResolver, DomainDisk } from '../../src/providers/libvirt/index.js';
import { InstanceReferences, referenceList } from './references.js';

async function referenced(client: ApiClient, type: ResourceType, instance: KubeObject, name: string): Promise<KubeObject & { externalName: string }> {
  let obj: KubeObject;
  try {
    obj = await client.get(type, instance.metadata.namespace, name);
  } catch (err) {
    if (isNotFound(err)) throw new UnavailableError(`${type.kind} "${name}" does not exist`);
    throw err;
  }
  const externalName = obj.status?.['externalName'];
  if (typeof externalName !== 'string' || externalName === '') throw new UnavailableError(`${type.kind} "${name}" has not been created on the provider yet`);
  return Object.assign(obj, { externalName });
}

/** An {@link AttachmentResolver} reading the referenced Volumes and Networks through `client`. */
export function libvirtAttachments(client: ApiClient): AttachmentResolver {
  return async (instance) => {
    const disks = await Promise.all(
      referenceList(instance, InstanceReferences.volumes).map(async (name): Promise<DomainDisk> => {
        const volume = await referenced(client, volumeType, instance, name);
        return {
          pool: typeof volume.spec?.['storagePool'] === 'string' ? volume.spec['storagePool'] : 'default',
          volume: volume.externalName,
          format: volume.spec?.['format'] === 'raw' ? 'raw' : 'qcow2',
        };
      }),
    );
    const networks = await Promise.all(referenceList(instance, InstanceReferences.networks).map(async (name) => (await referenced(client, networkType, instance, name)).externalName));
    return { disks, networks };
  };
}
