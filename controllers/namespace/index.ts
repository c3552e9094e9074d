/** Namespaces: the controller that empties terminating namespaces, and the built-in namespaces. */
export { createNamespaceController, NAMESPACE_CONTROLLER_MANAGER, type NamespaceControllerOptions } from './setup.js';
export { ensureBuiltinNamespaces, BUILTIN_NAMESPACE_MANAGER } from './builtin.js';
export { deleteNamespaceContent, type RemainingContent } from './content.js';
