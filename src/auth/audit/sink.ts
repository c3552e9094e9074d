/**
 * The API server's {@link AuditSink}: judges each completed request by the audit policy and queues one
 * `audit.k8s.io/v1` Event line for it. Recording never throws and never waits: a request that cannot be
 * audited is counted as dropped, never failed.
 */
import type { AuditRecord, AuditSink, RequestAttributes } from '../types.js';
import { attributesOfRecord, toAuditEvent } from './event.js';
import { decideLevel, isSecretRequest, type AuditPolicy } from './policy.js';

/** Where event lines go (an {@link AuditLogWriter}, or an array in tests). */
export interface AuditLineWriter {
  write(line: string): void;
}

/** Options of {@link PolicyAuditSink}. */
export interface PolicyAuditSinkOptions {
  readonly policy: AuditPolicy;
  readonly writer: AuditLineWriter;
  /** Told when a record could not be rendered (it is then dropped). */
  readonly onError?: (err: unknown) => void;
}

/** Copies `body` without `metadata.managedFields` (the rule asked for `omitManagedFields`). */
function withoutManagedFields(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const metadata = (body as { metadata?: unknown }).metadata;
  if (metadata === null || typeof metadata !== 'object' || !('managedFields' in metadata)) return body;
  const { managedFields: _omitted, ...rest } = metadata as Record<string, unknown>;
  return { ...(body as Record<string, unknown>), metadata: rest };
}

/** `metadata.name` of a request body, if it has a usable one. */
function nameOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const metadata = (body as { metadata?: unknown }).metadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const name = (metadata as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name.slice(0, 253) : undefined;
}

/** See the module comment. */
export class PolicyAuditSink implements AuditSink {
  readonly #policy: AuditPolicy;
  readonly #writer: AuditLineWriter;
  readonly #onError: (err: unknown) => void;

  constructor(options: PolicyAuditSinkOptions) {
    this.#policy = options.policy;
    this.#writer = options.writer;
    this.#onError = options.onError ?? (() => undefined);
  }

  /**
   * True at level Request (never for Secrets), and for every audited create: a create's object name is only
   * in its body, and kube's audit names the created object in `objectRef.name`. Only the name is taken from
   * a body the level does not allow to log.
   */
  wantsBody(attributes: RequestAttributes): boolean {
    const level = decideLevel(this.#policy, attributes).level;
    if (level === 'None') return false;
    // decideLevel already caps Secrets at Metadata; the second check keeps that true if the policy code changes.
    return (level === 'Request' && !isSecretRequest(attributes)) || attributes.verb === 'create';
  }

  record(record: AuditRecord): void {
    try {
      const attributes = attributesOfRecord(record);
      const decision = decideLevel(this.#policy, attributes);
      if (decision.level === 'None') return;
      const withBody = decision.level === 'Request' && !isSecretRequest(attributes) && record.requestBody !== undefined;
      const body = withBody ? (decision.omitManagedFields ? withoutManagedFields(record.requestBody) : record.requestBody) : undefined;
      const createdName = attributes.verb === 'create' && attributes.name === undefined ? nameOf(record.requestBody) : undefined;
      const event = toAuditEvent(record, {
        level: decision.level,
        ...(body !== undefined ? { requestObject: body } : {}),
        ...(createdName !== undefined ? { objectName: createdName } : {}),
      });
      this.#writer.write(JSON.stringify(event));
    } catch (err) {
      this.#onError(err);
    }
  }
}
