/**
 * The connect step: find the ProviderConfig named by `spec.providerRef.name`, resolve the credentials its
 * `spec.credentialsSecretRef` names, and ask the kind's connector for a client. A missing ProviderConfig,
 * Secret or Secret key is retried (it may be created later); a driver that cannot serve the ProviderConfig
 * fails terminally. Either way the caller reports the error in the Synced condition.
 */
import type { KubeObject } from '../../schemas/object.js';
import { DEFAULT_MAX_CONCURRENT, providerConfigType } from '../../schemas/providerconfig.js';
import { secretType } from '../../schemas/secret.js';
import type { ApiClient } from '../client/types.js';
import { isNotFound, UnavailableError } from '../errors/index.js';
import { providerCredentials, type ExternalClient, type ProviderCredentials } from '../providers/types.js';
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

/** `spec.credentialsSecretRef` of a ProviderConfig, or undefined when it names none. */
export function credentialsSecretRefOf(pc: KubeObject): ProviderCredentials['secretRef'] | undefined {
  const ref = pc.spec?.['credentialsSecretRef'];
  if (ref === null || typeof ref !== 'object' || Array.isArray(ref)) return undefined;
  const { name, namespace, key } = ref;
  if (typeof name !== 'string' || typeof namespace !== 'string') return undefined;
  return typeof key === 'string' ? { namespace, name, key } : { namespace, name };
}

/**
 * True when ProviderConfig `pc` takes its credentials from Secret `namespace/name`: what a controller maps a
 * Secret change through to reconcile the objects waiting for those credentials.
 */
export function usesSecret(pc: KubeObject, namespace: string | undefined, name: string): boolean {
  const ref = credentialsSecretRefOf(pc);
  return ref !== undefined && ref.namespace === namespace && ref.name === name;
}

/**
 * Reads and decodes the credentials ProviderConfig `pc` names; undefined when it names none. A missing Secret
 * or key throws `UnavailableError` (retryable) naming the ProviderConfig and the Secret, never a value.
 */
export async function resolveCredentials(client: ApiClient, pc: KubeObject): Promise<ProviderCredentials | undefined> {
  const ref = credentialsSecretRefOf(pc);
  if (ref === undefined) return undefined;
  const what = `ProviderConfig "${pc.metadata.name}" credentials: Secret ${ref.namespace}/${ref.name}`;
  let secret: KubeObject;
  try {
    secret = await client.get(secretType, ref.namespace, ref.name);
  } catch (err) {
    if (isNotFound(err)) throw new UnavailableError(`${what} not found`, { cause: err });
    throw err;
  }
  const raw = (secret as { data?: unknown }).data;
  const data = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if ((ref.key === undefined || key === ref.key) && typeof value === 'string') values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  if (ref.key !== undefined && values[ref.key] === undefined) throw new UnavailableError(`${what} has no key "${ref.key}"`);
  return providerCredentials(ref, values);
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
  const credentials = await resolveCredentials(run.deps.client, providerConfig);
  const client = await run.deps.kind.connector.connect(providerConfig, run.signal, credentials);
  return {
    providerConfig,
    client,
    semaphore: run.deps.limits.forProvider(name, maxConcurrentOf(providerConfig)),
    simulated: providerConfig.spec?.['driver'] === 'sim',
  };
}
