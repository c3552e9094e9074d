/**
 * What the s3 driver needs from a ProviderConfig and its credentials: endpoint, region, addressing style and
 * access keys. Pure parsing, no I/O. Messages name the ProviderConfig and the Secret, never a secret value.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { TerminalError, UnavailableError } from '../../errors/index.js';
import type { ProviderCredentials } from '../types.js';

/** Region used when the ProviderConfig names none (also what MinIO and most S3-compatible servers default to). */
export const DEFAULT_S3_REGION = 'us-east-1';

/** Secret keys accepted for the access key id, first match wins. */
export const ACCESS_KEY_ID_KEYS = ['accessKeyId', 'accessKey'] as const;
/** Secret keys accepted for the secret access key, first match wins. */
export const SECRET_ACCESS_KEY_KEYS = ['secretAccessKey', 'secretKey'] as const;
/** Optional Secret key holding a session token (temporary credentials). */
export const SESSION_TOKEN_KEY = 'sessionToken';

/** Parsed connection settings of one s3 ProviderConfig. */
export interface S3Settings {
  /** The ProviderConfig name, for messages. */
  readonly providerConfig: string;
  /** `spec.endpoint` without a trailing slash; undefined means AWS S3 itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Path-style URLs (`host/bucket`): option `forcePathStyle`, default true for non-AWS endpoints. */
  readonly forcePathStyle: boolean;
  /** Where the keys came from (safe to log). */
  readonly secretRef: ProviderCredentials['secretRef'];
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
}

function stringAt(obj: unknown, key: string): string | undefined {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const value = (obj as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstOf(values: Readonly<Record<string, string>>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = values[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** True for an endpoint on amazonaws.com, where virtual-hosted addressing is the norm. */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  try {
    return /(^|\.)amazonaws\.com(\.cn)?$/i.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

function parseBoolean(pc: string, name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new TerminalError(`ProviderConfig "${pc}": option ${name} must be "true" or "false", got "${text}"`);
}

/**
 * Settings of ProviderConfig `pc` with `credentials`. Throws `TerminalError` for a malformed option or
 * endpoint (fixing the ProviderConfig triggers a new reconcile), and `UnavailableError` when credentials or
 * their keys are missing (the Secret may still be created or completed; managed controllers watch it).
 */
export function s3Settings(pc: KubeObject, credentials: ProviderCredentials | undefined): S3Settings {
  const name = pc.metadata.name;
  const spec = pc.spec ?? {};
  const rawEndpoint = stringAt(spec, 'endpoint');
  if (rawEndpoint !== undefined && !/^https?:\/\//i.test(rawEndpoint)) {
    throw new TerminalError(`ProviderConfig "${name}": spec.endpoint must be an http:// or https:// URL for driver s3, got "${rawEndpoint}"`);
  }
  const endpoint = rawEndpoint?.replace(/\/+$/, '');
  const forcePathStyle = parseBoolean(name, 'forcePathStyle', stringAt(spec['options'], 'forcePathStyle'), !isAwsEndpoint(endpoint));
  if (credentials === undefined) {
    throw new UnavailableError(
      `ProviderConfig "${name}" has no spec.credentialsSecretRef: driver s3 needs a Secret with keys accessKeyId and secretAccessKey`,
    );
  }
  const ref = credentials.secretRef;
  const accessKeyId = firstOf(credentials.values, ACCESS_KEY_ID_KEYS);
  const secretAccessKey = firstOf(credentials.values, SECRET_ACCESS_KEY_KEYS);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = accessKeyId === undefined ? ACCESS_KEY_ID_KEYS.join(' or ') : SECRET_ACCESS_KEY_KEYS.join(' or ');
    throw new UnavailableError(`ProviderConfig "${name}" credentials: Secret ${ref.namespace}/${ref.name} has no key ${missing}`);
  }
  return {
    providerConfig: name,
    endpoint,
    region: stringAt(spec, 'region') ?? DEFAULT_S3_REGION,
    forcePathStyle,
    secretRef: ref,
    accessKeyId,
    secretAccessKey,
    sessionToken: firstOf(credentials.values, [SESSION_TOKEN_KEY]),
  };
}

/** The URL clients use to reach bucket `bucket` under `settings` (path-style or virtual-hosted). */
export function bucketUrl(settings: S3Settings, bucket: string): string {
  if (settings.endpoint === undefined) return `https://${bucket}.s3.${settings.region}.amazonaws.com`;
  if (settings.forcePathStyle) return `${settings.endpoint}/${bucket}`;
  const url = new URL(settings.endpoint);
  url.hostname = `${bucket}.${url.hostname}`;
  return url.toString().replace(/\/+$/, '');
}

/** How messages name the endpoint: the URL, or "AWS S3 (<region>)". */
export function endpointLabel(settings: S3Settings): string {
  return settings.endpoint ?? `AWS S3 (${settings.region})`;
}
