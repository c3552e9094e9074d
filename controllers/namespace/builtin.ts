/** The built-in namespaces `converge serve` keeps as objects (kube's `default`, plus Converge's own). */
import { IMMORTAL_NAMESPACES, namespaceType } from '../../schemas/namespace.js';
import type { ApiClient } from '../../src/client/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../src/errors/index.js';

/** Field manager of the built-in namespaces. */
export const BUILTIN_NAMESPACE_MANAGER = 'converge-serve';

/**
 * Creates the Namespaces `default` and `converge-system` unless they exist (server-side apply of just the
 * name, so a user's later apply of their own takes over without conflicts). They cannot be deleted.
 */
export async function ensureBuiltinNamespaces(client: ApiClient): Promise<void> {
  for (const name of IMMORTAL_NAMESPACES) {
    try {
      await client.get(namespaceType, undefined, name);
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      const body = { apiVersion: 'v1', kind: namespaceType.kind, metadata: { name } };
      await client.patch(namespaceType, undefined, name, { type: 'apply', body }, { fieldManager: BUILTIN_NAMESPACE_MANAGER });
    } catch (err) {
      // Another replica created it meanwhile.
      if (!isAlreadyExists(err) && !isConflict(err)) throw err;
    }
  }
}
