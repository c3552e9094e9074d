/**
 * The external-resource contract (crossplane-runtime's `ExternalConnecter`/`ExternalClient`): a driver
 * connects with a ProviderConfig and returns a client for one kind. Observe only reports facts; the managed
 * reconciler decides what to do with them. Every call must be idempotent and safe to repeat: a create whose
 * resource already exists adopts it (names are derived from the object's uid, see {@link externalNameOf}).
 */
import type { KubeObject } from '../../schemas/object.js';

/** Annotation naming an existing external resource to adopt instead of the uid-derived name. */
export const EXTERNAL_NAME_ANNOTATION = 'converge.io/external-name';

/** One field whose external value differs from the spec. `path` is a spec path such as `spec.vcpus`. */
export interface DiffEntry {
  readonly path: string;
  readonly desired?: unknown;
  readonly observed?: unknown;
}

/**
 * A condition a driver reports about an external resource beyond the reconciler's own (`Ready`, `Synced`,
 * `Drifted`), e.g. libvirt's `RestartRequired`. `type` must be one of schemas/common.ts's ConditionType.
 */
export interface ObservedCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

/** What observe found. `observed` is the kind's status-relevant view of the external resource. */
export interface Observation<Observed> {
  readonly exists: boolean;
  /** True when the external resource matches the spec (`diff` is then empty). */
  readonly upToDate: boolean;
  readonly observed?: Observed;
  readonly diff: readonly DiffEntry[];
  /**
   * Extra conditions, set on the object after each observe of an existing resource (unchanged ones are
   * no-ops). The reconciler never clears one itself: a driver that reports a type keeps reporting it, with
   * status False once it no longer holds. Reconciler-owned types and unknown types are ignored.
   */
  readonly conditions?: readonly ObservedCondition[];
}

/** What create did: the name the resource got and, for asynchronous backends, an operation handle. */
export interface CreateResult {
  readonly externalName: string;
  readonly operation?: string;
}

/** The four verbs on one kind's external resources; `obj` is the full (defaulted) API object. */
export interface ExternalClient<Observed = Record<string, unknown>> {
  observe(obj: KubeObject, signal: AbortSignal): Promise<Observation<Observed>>;
  create(obj: KubeObject, signal: AbortSignal): Promise<CreateResult>;
  /** Brings the fields named in `diff` in line with the spec. */
  update(obj: KubeObject, diff: readonly DiffEntry[], signal: AbortSignal): Promise<void>;
  /** Deletes the resource; deleting a missing one succeeds. */
  delete(obj: KubeObject, signal: AbortSignal): Promise<void>;
}

/**
 * Credentials a ProviderConfig's `spec.credentialsSecretRef` resolved to: the Secret's `data` decoded as UTF-8,
 * every key, or only `key` when the reference names one.
 *
 * SECRET MATERIAL: never log `values` or put them in an error message, event, journal entry or status.
 * Objects made by {@link providerCredentials} serialise (JSON, pino, `util.inspect`) with the values redacted,
 * as a guard, not as a licence to log them.
 */
export interface ProviderCredentials {
  /** The Secret they came from (safe to log). */
  readonly secretRef: { readonly namespace: string; readonly name: string; readonly key?: string };
  /** Decoded values by Secret data key. */
  readonly values: Readonly<Record<string, string>>;
}

const REDACTED = '[REDACTED]';

/** Builds {@link ProviderCredentials} whose values never show up when the object is serialised or inspected. */
export function providerCredentials(secretRef: ProviderCredentials['secretRef'], values: Record<string, string>): ProviderCredentials {
  const redacted = { secretRef, values: Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED])) };
  const credentials: ProviderCredentials = { secretRef, values: Object.freeze({ ...values }) };
  Object.defineProperty(credentials, 'toJSON', { value: () => redacted, enumerable: false });
  Object.defineProperty(credentials, Symbol.for('nodejs.util.inspect.custom'), { value: () => redacted, enumerable: false });
  return Object.freeze(credentials);
}

/**
 * Produces a client for a ProviderConfig. Throws `TerminalError` when the driver cannot serve it at all
 * (e.g. not implemented) and a retryable error when the backend is unreachable right now.
 */
export interface ExternalConnector<Observed = Record<string, unknown>> {
  /**
   * `credentials` are those of the ProviderConfig's `spec.credentialsSecretRef`, undefined when it names none.
   * Connectors that wrap another connector must pass them on. (Optional only so that wrappers written before
   * credentials existed still compile; the managed reconciler always passes the argument.)
   */
  connect(providerConfig: KubeObject, signal: AbortSignal, credentials?: ProviderCredentials): Promise<ExternalClient<Observed>>;
}

/** `<prefix>-<first 12 hex digits of uid>`: the deterministic name a create uses, so retries adopt. */
export function derivedExternalName(prefix: string, uid: string): string {
  return `${prefix}-${uid.replace(/[^0-9a-f]/gi, '').toLowerCase().slice(0, 12)}`;
}

/**
 * The external name of `obj`: the adoption annotation, else `status.externalName`, else the name derived
 * from the uid. Objects without a uid (never stored) fall back to the object name.
 */
export function externalNameOf(obj: KubeObject, prefix: string): string {
  const annotated = obj.metadata.annotations?.[EXTERNAL_NAME_ANNOTATION];
  if (annotated !== undefined && annotated !== '') return annotated;
  const recorded = obj.status?.['externalName'];
  if (typeof recorded === 'string' && recorded !== '') return recorded;
  return derivedExternalName(prefix, obj.metadata.uid ?? obj.metadata.name);
}

/** A client that finds nothing and does nothing (crossplane's `NopClient`), for tests and wiring. */
export const nopExternalClient: ExternalClient = {
  observe: async () => ({ exists: false, upToDate: true, diff: [] }),
  create: async (obj) => ({ externalName: obj.metadata.name }),
  update: async () => {},
  delete: async () => {},
};

/** A connector that always returns {@link nopExternalClient}. */
export const nopConnector: ExternalConnector = { connect: async () => nopExternalClient };

/** Adapts a function to {@link ExternalConnector}. */
export function connectorFunc<Observed>(
  fn: (providerConfig: KubeObject, signal: AbortSignal, credentials?: ProviderCredentials) => Promise<ExternalClient<Observed>>,
): ExternalConnector<Observed> {
  return { connect: fn };
}
