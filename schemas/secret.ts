/**
 * Core `v1` Secret: small pieces of sensitive data (tokens, passwords, access keys) that ProviderConfigs
 * reference for driver credentials. Served under `/api/v1` like kube-apiserver's so that
 * `kubectl create secret generic` works; its fields are top-level (no spec/status).
 *
 * The schema only checks shapes. What kube-apiserver checks beyond shapes is {@link secretFieldCauses} (key
 * names, base64, total size) and {@link secretTypeCauses} (what the well-known types require); folding `stringData` into `data` and immutability are the registry's Secret write
 * strategy (`src/registry/secret.ts`), the one place every write path goes through.
 */
import { z } from 'zod';
import type { FieldCause } from '../src/errors/index.js';
import type { KubeObject } from './object.js';
import type { ResourceType } from './types.js';

/** Largest total size of a Secret's decoded data (keys plus values), as kube-apiserver's `MaxSecretSize`. */
export const MAX_SECRET_BYTES = 1024 * 1024;

/** Type of a Secret that does not say otherwise. */
export const SECRET_TYPE_OPAQUE = 'Opaque';

/** Characters a data key may use (kube's `IsConfigMapKey`); longest key 253 characters. */
export const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;
const KEY_HELP =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

const dataMap = (description: string, value: z.ZodString) =>
  z.record(z.string().describe('Key.'), value).optional().describe(description);

/** Schema of a Secret's top-level fields (everything but apiVersion, kind and metadata). */
export const secretTopLevel = z
  .strictObject({
    data: dataMap(
      'Secret data by key; each value is base64-encoded. Keys consist of alphanumerics, "-", "_" or ".". ' +
        'The total size of keys and decoded values is at most 1 MiB.',
      z.string().meta({ format: 'byte' }).describe('Base64-encoded value.'),
    ),
    stringData: dataMap(
      'Write-only convenience: plain-text values merged into data (base64-encoded) when written, overriding ' +
        'data keys of the same name. Never stored or returned.',
      z.string().describe('Plain-text value.'),
    ),
    type: z
      .string()
      .max(253)
      .default(SECRET_TYPE_OPAQUE)
      .describe('Used to facilitate programmatic handling of secret data. Default Opaque. Cannot change after creation.'),
    immutable: z
      .boolean()
      .optional()
      .describe('When true, data and type can no longer change (only metadata can); it cannot be unset again.'),
  })
  .describe('Secret holds secret data of a certain type: tokens, passwords, access keys.');

/** The top-level fields of a Secret after schema validation. */
export type SecretFields = z.output<typeof secretTopLevel>;

/**
 * Position of the first byte Go's `base64.StdEncoding` would reject (what kube-apiserver decodes `[]byte`
 * with), or undefined for valid input. Line breaks are ignored, as Go does.
 */
export function base64ErrorOffset(text: string): number | undefined {
  let count = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\r' || ch === '\n') continue;
    if (ch === '=') {
      // Padding only completes the last quantum: at most two, then nothing but padding.
      if (count % 4 < 2 || padding >= 2) return i;
      padding++;
    } else if (padding > 0 || !BASE64_ALPHABET.test(ch)) {
      return i;
    }
    count++;
  }
  if (count % 4 !== 0) return text.length;
  return undefined;
}

/** The kube message for a bad key, or undefined when `key` is a valid data key. */
function keyProblem(key: string): string | undefined {
  if (key.length > MAX_KEY_LENGTH) return `must be no more than ${MAX_KEY_LENGTH} characters`;
  if (!SECRET_KEY_RE.test(key)) return KEY_HELP;
  if (key === '.') return "must not be '.'";
  if (key === '..') return "must not be '..'";
  if (key.startsWith('..')) return "must not start with '..'";
  return undefined;
}

function invalid(field: string, message: string): FieldCause {
  return { reason: 'FieldValueInvalid', field, message };
}

/**
 * What kube-apiserver checks on a Secret beyond the shape: every `data`/`stringData` key is a valid config
 * key, every `data` value is base64, and keys plus decoded values (stringData merged in) stay within
 * {@link MAX_SECRET_BYTES}. Causes name `data[key]` or `stringData[key]` and never echo a value.
 */
export function secretFieldCauses(fields: Pick<SecretFields, 'data' | 'stringData'>): FieldCause[] {
  const causes: FieldCause[] = [];
  const sizes = new Map<string, number>();
  for (const [key, value] of Object.entries(fields.data ?? {})) {
    const keyMessage = keyProblem(key);
    if (keyMessage !== undefined) causes.push(invalid(`data[${key}]`, `Invalid value: ${JSON.stringify(key)}: ${keyMessage}`));
    const offset = base64ErrorOffset(value);
    if (offset !== undefined) causes.push(invalid(`data[${key}]`, `Invalid value: illegal base64 data at input byte ${offset}`));
    else sizes.set(key, key.length + Buffer.byteLength(value, 'base64'));
  }
  for (const [key, value] of Object.entries(fields.stringData ?? {})) {
    const keyMessage = keyProblem(key);
    if (keyMessage !== undefined) causes.push(invalid(`stringData[${key}]`, `Invalid value: ${JSON.stringify(key)}: ${keyMessage}`));
    sizes.set(key, key.length + Buffer.byteLength(value, 'utf8'));
  }
  let total = 0;
  for (const size of sizes.values()) total += size;
  if (total > MAX_SECRET_BYTES) {
    causes.push({ reason: 'FieldValueTooLong', field: 'data', message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes` });
  }
  return causes;
}

/** Data keys a Secret of a well-known type must hold, as kube-apiserver requires: all of them, or any one. */
const REQUIRED_KEYS: Readonly<Record<string, { readonly keys: readonly string[]; readonly anyOf?: true }>> = {
  'kubernetes.io/tls': { keys: ['tls.crt', 'tls.key'] },
  'kubernetes.io/basic-auth': { keys: ['username', 'password'], anyOf: true },
  'kubernetes.io/ssh-auth': { keys: ['ssh-privatekey'] },
  'kubernetes.io/dockercfg': { keys: ['.dockercfg'] },
  'kubernetes.io/dockerconfigjson': { keys: ['.dockerconfigjson'] },
};
const JSON_KEYS: Readonly<Record<string, string>> = {
  'kubernetes.io/dockercfg': '.dockercfg',
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
};
const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * What kube-apiserver requires of the well-known Secret types, checked on the final `data` (stringData merged
 * in, values base64): the keys each type needs, JSON in docker config values, and the service-account
 * annotation on `kubernetes.io/service-account-token`. Messages never echo a value.
 */
export function secretTypeCauses(type: string, data: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  const required = REQUIRED_KEYS[type];
  if (required !== undefined) {
    const missing = required.keys.filter((k) => data[k] === undefined);
    if (required.anyOf ? missing.length === required.keys.length : missing.length > 0) {
      for (const k of missing) causes.push({ reason: 'FieldValueRequired', field: `data[${k}]`, message: 'Required value' });
    }
  }
  const jsonKey = JSON_KEYS[type];
  const jsonValue = jsonKey === undefined ? undefined : data[jsonKey];
  if (jsonValue !== undefined && !isJson(Buffer.from(jsonValue, 'base64').toString('utf8'))) {
    causes.push(invalid(`data[${jsonKey}]`, 'Invalid value: "<secret contents redacted>": must be valid JSON'));
  }
  if (type === 'kubernetes.io/service-account-token' && !annotations?.[SERVICE_ACCOUNT_NAME]) {
    causes.push({ reason: 'FieldValueRequired', field: `metadata.annotations[${SERVICE_ACCOUNT_NAME}]`, message: 'Required value' });
  }
  return causes;
}

/** Number of keys in a Secret's `data` (the DATA column of `kubectl get secrets`). */
export function secretDataCount(obj: KubeObject): number {
  const data = (obj as { data?: unknown }).data;
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? Object.keys(data).length : 0;
}

/** Core v1 Secret. */
export const secretType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  shortNames: [],
  categories: [],
  namespaced: true,
  description: 'Secret holds secret data of a certain type (tokens, passwords, access keys), e.g. the credentials a ProviderConfig names.',
  spec: z.strictObject({}),
  status: z.strictObject({}),
  topLevel: secretTopLevel,
  crd: false,
  selectableFields: ['type'],
  printerColumns: [
    { name: 'TYPE', type: 'string', jsonPath: '.type', description: 'Type of the secret.' },
    // A JSONPath cannot count keys: the API server's table printer computes this cell (secretDataCount).
    { name: 'DATA', type: 'integer', jsonPath: '.data', description: 'Number of keys in data.' },
  ],
  immutableFields: [],
};
