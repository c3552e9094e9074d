/**
 * The `journal` subresource of the managed kinds: `GET /apis/converge.io/v1alpha1/namespaces/NS/instances/NAME/journal`
 * answers the resource's external actions (what, when, result, duration) from the journal in the store.
 * `converge journal KIND/NAME` reads it.
 */
import { GROUP, VERSION } from '../../schemas/common.js';
import type { ApiSubresource } from '../apiserver/deps.js';
import type { JournalReader } from '../managed/journal.js';
import { simKinds } from '../providers/sim/index.js';

/** Kinds whose external actions are journaled: the managed kinds. */
const JOURNALED = new Set(Object.keys(simKinds));

/** The subresource over `journal`. */
export function journalSubresource(journal: JournalReader): ApiSubresource {
  return {
    name: 'journal',
    serves: (type) => type.group === GROUP && JOURNALED.has(type.kind),
    async get(type, obj) {
      const items = await journal.list(type.kind, obj.metadata.namespace, obj.metadata.name);
      return {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'JournalEntryList',
        metadata: { name: obj.metadata.name, ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}), uid: obj.metadata.uid ?? '' },
        items,
      };
    },
  };
}
