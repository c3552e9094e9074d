/**
 * Renders a completed request as an `audit.k8s.io/v1` Event at stage ResponseComplete, the line format
 * kube-apiserver's log backend writes (so jq recipes and log shippers built for kube audit logs work), plus
 * `latencyMs`, which kube leaves to be computed from the two timestamps.
 */
import { randomUUID } from 'node:crypto';
import { resolveRequestInfo } from '../../apiserver/request-info.js';
import { attributesOf } from '../pipeline.js';
import type { AuditRecord, RequestAttributes, UserInfo } from '../types.js';
import type { AuditLevel } from './policy.js';

/** Who an unauthenticated request is audited as (kube's anonymous identity). */
const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The `objectRef` of an audit Event. */
export interface AuditObjectRef {
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly apiGroup?: string;
  readonly apiVersion?: string;
  readonly subresource?: string;
}

/** One audit log line: an `audit.k8s.io/v1` Event. */
export interface AuditEvent {
  readonly kind: 'Event';
  readonly apiVersion: 'audit.k8s.io/v1';
  readonly level: AuditLevel;
  readonly auditID: string;
  readonly stage: 'ResponseComplete';
  readonly requestURI: string;
  readonly verb: string;
  readonly user: { readonly username: string; readonly groups: readonly string[] };
  /** The user a request ran as when `user` impersonated someone (`kubectl --as`). */
  readonly impersonatedUser?: { readonly username: string; readonly groups: readonly string[] };
  readonly sourceIPs: readonly string[];
  readonly userAgent?: string;
  readonly objectRef?: AuditObjectRef;
  readonly responseStatus: { readonly metadata: Record<string, never>; readonly code: number };
  readonly requestObject?: unknown;
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly latencyMs: number;
}

/**
 * The attributes to judge a record by: the ones the pipeline settled, or, for a request refused before it
 * was authenticated (401, a malformed URL), the ones its method and path imply, as the anonymous user.
 */
export function attributesOfRecord(record: AuditRecord): RequestAttributes {
  if (record.attributes !== undefined) return record.attributes;
  const user = record.user ?? ANONYMOUS;
  try {
    const info = resolveRequestInfo(record.method, new URL(record.path, 'http://converge.local'));
    if (info !== undefined) return { ...attributesOf(user, info, record.method), path: record.path };
  } catch {
    // A path the server refused as malformed: audit it as a non-resource request.
  }
  return { user, verb: record.method.toLowerCase(), resourceRequest: false, group: '', resource: '', path: record.path };
}

/** The API version in a resource path (`/api/v1/…` → `v1`, `/apis/g/v1alpha1/…` → `v1alpha1`). */
function versionOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[1] === 'api') return parts[2];
  if (parts[1] === 'apis') return parts[3];
  return undefined;
}

/** kube's MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function microTime(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  const micros = Math.floor(epochMicros - ms * 1000);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => `.${frac}${String(micros).padStart(3, '0')}Z`);
}

/** Options of {@link toAuditEvent}. */
export interface AuditEventOptions {
  readonly level: AuditLevel;
  /** The request body to include (only at level Request; the caller enforces the policy). */
  readonly requestObject?: unknown;
  readonly auditID?: string;
  /** Name of the object a create made, when the URL does not name it (kube fills `objectRef.name` from the body). */
  readonly objectName?: string;
}

/** Builds the Event for `record` (see the module comment). */
export function toAuditEvent(record: AuditRecord, options: AuditEventOptions): AuditEvent {
  const a = attributesOfRecord(record);
  const runAs = record.user ?? a.user;
  // kube's audit names the authenticated user in `user` and whom they impersonated in `impersonatedUser`.
  const user = runAs.impersonatedBy ?? runAs;
  const startMicros = record.startedAt.getTime() * 1000;
  const latencyMs = Math.round(record.latencyMs * 1000) / 1000;
  const apiVersion = a.resourceRequest ? versionOf(record.path) : undefined;
  const objectRef: AuditObjectRef | undefined = a.resourceRequest
    ? {
        resource: a.resource,
        ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
        ...(a.name !== undefined ? { name: a.name } : options.objectName !== undefined ? { name: options.objectName } : {}),
        apiGroup: a.group,
        ...(apiVersion !== undefined ? { apiVersion } : {}),
        ...(a.subresource !== undefined ? { subresource: a.subresource } : {}),
      }
    : undefined;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: options.level,
    auditID: options.auditID ?? randomUUID(),
    stage: 'ResponseComplete',
    requestURI: record.requestURI ?? record.path,
    verb: a.verb,
    user: { username: user.name, groups: user.groups },
    ...(runAs.impersonatedBy !== undefined ? { impersonatedUser: { username: runAs.name, groups: runAs.groups } } : {}),
    sourceIPs: record.sourceIp !== undefined ? [record.sourceIp.replace(/^::ffff:/, '')] : [],
    ...(record.userAgent !== undefined ? { userAgent: record.userAgent } : {}),
    ...(objectRef !== undefined ? { objectRef } : {}),
    responseStatus: { metadata: {}, code: record.code },
    ...(options.requestObject !== undefined ? { requestObject: options.requestObject } : {}),
    requestReceivedTimestamp: microTime(startMicros),
    stageTimestamp: microTime(startMicros + record.latencyMs * 1000),
    latencyMs,
  };
}
