/**
 * The connect step: find the ProviderConfig named by `spec.providerRef.name` and ask the kind's connector
 * for a client. A missing ProviderConfig is retried (it may be created later); a driver that cannot serve
 * it fails terminally. Either way the caller reports the error in the Synced condition.
 */
import type { KubeObject } from '../../schemas/object.js';
import { DEFAULT_MAX_CONCURRENT, providerConfigType } from '../../schemas/providerconfig.js';
import { isNotFound, UnavailableError } from '../errors/index.js';
import type { ExternalClient } from '../providers/types.js';
import type { Run } from './run.js';
import type { Semaphore } from './semaphore.js';

/** A connected client with the ProviderConfig it came from and its concurrency slot. */
export interface Connection {
  readonly providerConfig: KubeObject;
  readonly client: ExternalClient;
  readonly semaphore: Semaphore;
  /** True for the simulated cloud: conditions say so. */
  readonly simulated: boolean;
}

/** `spec.providerRef.name` of `obj` (default `default`). */
export function providerNameOf(obj: KubeObject): string {
  const ref = obj.spec?.['providerRef'];
  const name = ref !== null && typeof ref === 'object' && !Array.isArray(ref) ? ref['name'] : undefined;
  return typeof name === 'string' && name !== '' ? name : 'default';
}

function maxConcurrentOf(pc: KubeObject): number {
  const c = pc.spec?.['concurrency'];
  const n = c !== null && typeof c === 'object' && !Array.isArray(c) ? c['maxConcurrent'] : undefined;
  return typeof n === 'number' && n >= 1 ? n : DEFAULT_MAX_CONCURRENT;
}

/** See the module comment. */
export async function connect(run: Run): Promise<Connection> {
  const name = providerNameOf(run.obj);
  let providerConfig: KubeObject;
  try {
    providerConfig = await run.deps.client.get(providerConfigType, undefined, name);
  } catch (err) {
    if (isNotFound(err)) throw new UnavailableError(`ProviderConfig "${name}" not found`, { cause: err });
    throw err;
  }
  const client = await run.deps.kind.connector.connect(providerConfig, run.signal);
  return {
    providerConfig,
    client,
    semaphore: run.deps.limits.forProvider(name, maxConcurrentOf(providerConfig)),
    simulated: providerConfig.spec?.['driver'] === 'sim',
  };
}
