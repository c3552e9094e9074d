/**
 * The store: backends behind one {@link Backend} contract, opened by URL. Importing this module registers
 * the built-in schemes `memory://`, `sqlite://PATH` and `etcd://host:port[,host:port][/keyPrefix]`.
 */
import { openMemoryBackend } from './memory/backend.js';
import { registerBackend } from './registry.js';

registerBackend('memory', openMemoryBackend);

export * from './types.js';
export { openBackend, registerBackend, backendSchemes, schemeOf } from './registry.js';
export { MemoryBackend, openMemoryBackend } from './memory/backend.js';
export { compareKeys, prefixEnd } from './keys.js';
