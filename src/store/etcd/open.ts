/**
 * The `etcd` scheme's factory.
 */
import type { BackendOptions } from '../types.js';
import { EtcdBackend } from './backend.js';
import { parseEtcdUrl } from './url.js';

/** Opens `etcd://host:port[,host:port][/keyPrefix]`; {@link UnavailableError} when etcd does not answer. */
export async function openEtcdBackend(url: string, options: BackendOptions): Promise<EtcdBackend> {
  return EtcdBackend.connect(parseEtcdUrl(url), options);
}
