/**
 * `converge serve`'s flags for the per-user limiter and the audit log, parsed and checked before anything
 * starts: a bad value or policy file is an `InvalidError` naming the flag (the CLI exits 2), not a server
 * that fails after opening its store.
 */
import { readFile } from 'node:fs/promises';
import { InvalidError } from '../../errors/index.js';
import { parseAuditPolicy } from '../audit/policy.js';
import type { ServeSecurityOptions } from '../security.js';
import { DEFAULT_USER_BURST, DEFAULT_USER_MAX_INFLIGHT, DEFAULT_USER_QPS } from './limiter.js';
import { DEFAULT_AUDIT_MAX_BACKUPS, DEFAULT_AUDIT_MAX_SIZE_MB } from '../audit/writer.js';

/** The flags, as parseArgs hands them over (all optional strings). */
export interface LimitFlagValues {
  readonly 'audit-log-path'?: string | undefined;
  readonly 'audit-policy-file'?: string | undefined;
  readonly 'audit-log-maxsize'?: string | undefined;
  readonly 'audit-log-maxbackup'?: string | undefined;
  readonly 'max-requests-per-user-qps'?: string | undefined;
  readonly 'max-requests-per-user-burst'?: string | undefined;
  readonly 'max-requests-inflight-per-user'?: string | undefined;
}

/** parseArgs option definitions of {@link LimitFlagValues}. */
export const limitFlagOptions = {
  'audit-log-path': { type: 'string' },
  'audit-policy-file': { type: 'string' },
  'audit-log-maxsize': { type: 'string' },
  'audit-log-maxbackup': { type: 'string' },
  'max-requests-per-user-qps': { type: 'string' },
  'max-requests-per-user-burst': { type: 'string' },
  'max-requests-inflight-per-user': { type: 'string' },
} as const;

/** Help text lines of the flags (the serve usage's format). */
export const LIMIT_FLAGS_HELP = `  --audit-log-path PATH
                      audit log, one audit.k8s.io/v1 Event per request (default <data-dir>/audit.log,
                      mode 0600; "-" = standard output; "" = no audit log)
  --audit-policy-file PATH
                      audit.k8s.io/v1 Policy (YAML/JSON): levels None, Metadata or Request per rule;
                      default Metadata for every request; Secrets are never logged with their data
  --audit-log-maxsize MB, --audit-log-maxbackup N
                      rotate the audit log at MB megabytes (default ${DEFAULT_AUDIT_MAX_SIZE_MB}; 0 = never), keeping N old
                      files audit.log.1..N (default ${DEFAULT_AUDIT_MAX_BACKUPS})
  --max-requests-per-user-qps N, --max-requests-per-user-burst N
                      per-user request rate (default ${DEFAULT_USER_QPS}/s, bursts of ${DEFAULT_USER_BURST}; 0 = unlimited);
                      more is answered 429 with Retry-After; system:masters get 4 times as much
  --max-requests-inflight-per-user N
                      concurrent requests per user, watches excluded (default ${DEFAULT_USER_MAX_INFLIGHT}; 0 = no cap)
`;

function number(flag: string, text: string | undefined, options: { readonly integer: boolean; readonly min: number }): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < options.min || (options.integer && !Number.isInteger(value))) {
    throw new InvalidError(`--${flag}: expected ${options.integer ? 'a whole number' : 'a number'} of at least ${options.min}, got "${text}"`);
  }
  return value;
}

/** Turns the flags into the limiter and audit part of {@link ServeSecurityOptions}; reads and checks the policy file. */
export async function limitOptionsFromFlags(values: LimitFlagValues): Promise<Pick<ServeSecurityOptions, 'limits' | 'audit'>> {
  const qps = number('max-requests-per-user-qps', values['max-requests-per-user-qps'], { integer: false, min: 0 });
  const burst = number('max-requests-per-user-burst', values['max-requests-per-user-burst'], { integer: true, min: 1 });
  const maxInflight = number('max-requests-inflight-per-user', values['max-requests-inflight-per-user'], { integer: true, min: 0 });
  const maxSizeMB = number('audit-log-maxsize', values['audit-log-maxsize'], { integer: true, min: 0 });
  const maxBackups = number('audit-log-maxbackup', values['audit-log-maxbackup'], { integer: true, min: 0 });
  const policyFile = values['audit-policy-file'];
  let policy;
  if (policyFile !== undefined) {
    let text;
    try {
      text = await readFile(policyFile, 'utf8');
    } catch (err) {
      throw new InvalidError(`--audit-policy-file: cannot read ${policyFile}: ${(err as Error).message}`, { cause: err });
    }
    policy = parseAuditPolicy(text, `--audit-policy-file ${policyFile}`);
  }
  const path = values['audit-log-path'];
  return {
    limits: {
      ...(qps !== undefined ? { qps } : {}),
      ...(burst !== undefined ? { burst } : {}),
      ...(maxInflight !== undefined ? { maxInflight } : {}),
    },
    audit: {
      ...(path !== undefined ? { path } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(maxSizeMB !== undefined ? { maxSizeMB } : {}),
      ...(maxBackups !== undefined ? { maxBackups } : {}),
    },
  };
}
