/**
 * The store: backends behind one {@link Backend} contract, opened by URL. Importing this module registers
 * the built-in schemes `memory://`, `sqlite://PATH` and `etcd://host:port[,host:port][/keyPrefix]`.
 */
import { openMemoryBackend } from './memory/backend.js';
import { registerBackend } from './registry.js';
import { openSqliteBackend } from './sqlite/open.js';
import { openEtcdBackend } from './etcd/open.js';

registerBackend('memory', openMemoryBackend);
registerBackend('sqlite', openSqliteBackend);
registerBackend('etcd', openEtcdBackend);

export * from './types.js';
export { openBackend, registerBackend, backendSchemes, schemeOf } from './registry.js';
export { MemoryBackend, openMemoryBackend } from './memory/backend.js';
export { SqliteBackend, type SqliteStats } from './sqlite/backend.js';
export type { CompactionCounters } from './sqlite/compaction.js';
export { openSqliteBackend, sqlitePathOf } from './sqlite/open.js';
export { EtcdBackend, type EtcdBackendOptions } from './etcd/backend.js';
export { openEtcdBackend } from './etcd/open.js';
export { parseEtcdUrl, type EtcdTarget } from './etcd/url.js';
export { compareKeys, prefixEnd } from './keys.js';
