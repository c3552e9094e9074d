/**
 * The audit log of `converge serve` (issue #8): `--audit-log-path`, `--audit-policy-file`,
 * `--audit-log-maxsize`, `--audit-log-maxbackup`, named and meant as kube-apiserver's flags.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_AUDIT_POLICY, parseAuditPolicy, type AuditPolicy } from './policy.js';
import { PolicyAuditSink } from './sink.js';
import { AuditLogWriter, DEFAULT_AUDIT_MAX_BACKUPS, DEFAULT_AUDIT_MAX_SIZE_MB } from './writer.js';

export { AuditLevel, DEFAULT_AUDIT_POLICY, decideLevel, isSecretRequest, parseAuditPolicy, type AuditPolicy, type AuditPolicyRule } from './policy.js';
export { toAuditEvent, type AuditEvent, type AuditObjectRef } from './event.js';
export { PolicyAuditSink, type AuditLineWriter, type PolicyAuditSinkOptions } from './sink.js';
export { AuditLogWriter, DEFAULT_AUDIT_MAX_BACKUPS, DEFAULT_AUDIT_MAX_SIZE_MB, type AuditLogWriterOptions } from './writer.js';

/** Options of {@link openAuditLog}: the values of the serve flags. */
export interface AuditLogOptions {
  /** `--audit-log-path`: the log file, or `-` for standard output. */
  readonly path: string;
  /** `--audit-policy-file`: an `audit.k8s.io/v1` Policy (YAML or JSON); default {@link DEFAULT_AUDIT_POLICY}. */
  readonly policyFile?: string;
  /** An already parsed policy (takes precedence over `policyFile`). */
  readonly policy?: AuditPolicy;
  /** `--audit-log-maxsize`: megabytes before rotation (default {@link DEFAULT_AUDIT_MAX_SIZE_MB}; 0 = never). */
  readonly maxSizeMB?: number;
  /** `--audit-log-maxbackup`: rotated files kept (default {@link DEFAULT_AUDIT_MAX_BACKUPS}). */
  readonly maxBackups?: number;
  /** Told about write failures and unrenderable records (rate-limited). */
  readonly onError?: (err: unknown) => void;
}

/** An open audit log: the sink to put in `ApiSecurity.audit`, and its writer (metrics, flush, close). */
export interface AuditLog {
  readonly sink: PolicyAuditSink;
  readonly writer: AuditLogWriter;
  readonly policy: AuditPolicy;
  /** Writes what is queued and closes the file; call after the API server has stopped. */
  close(): Promise<void>;
}

/**
 * Reads the policy (rejecting a bad file with `InvalidError` before the server starts) and opens the log.
 * The file itself is opened on the first line, so a path that cannot be written shows up as dropped lines and
 * an `onError` report rather than a server that refuses to start.
 */
export async function openAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  const policy =
    options.policy ?? (options.policyFile === undefined ? DEFAULT_AUDIT_POLICY : parseAuditPolicy(await readFile(options.policyFile, 'utf8'), options.policyFile));
  const writer = new AuditLogWriter({
    path: options.path,
    maxSizeBytes: (options.maxSizeMB ?? DEFAULT_AUDIT_MAX_SIZE_MB) * 1024 * 1024,
    maxBackups: options.maxBackups ?? DEFAULT_AUDIT_MAX_BACKUPS,
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
  });
  const sink = new PolicyAuditSink({ policy, writer, ...(options.onError !== undefined ? { onError: options.onError } : {}) });
  return { sink, writer, policy, close: () => writer.close() };
}
