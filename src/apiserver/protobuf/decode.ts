/**
 * Decodes request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) into the
 * JSON objects the registry takes. Current kubectl sends some built-in kinds this way (e.g.
 * `kubectl create rolebinding`) and does not retry as JSON on 415, so the kinds such clients create — the RBAC
 * kinds and Secrets — are accepted; custom kinds are JSON-only, as for CRDs in kube-apiserver.
 *
 * Wire format: the 4-byte magic `k8s\0`, then a `runtime.Unknown` whose `typeMeta` names the kind and whose
 * `raw` is the message. Converted to JSON as kube's JSON encoding writes it: int64 as numbers, bytes as base64,
 * `Time` as RFC 3339, `FieldsV1` as its JSON, empty strings, zeros, false and zero times omitted.
 */
import protobuf from 'protobufjs';
import { BadRequestError } from '../../errors/index.js';
import type { JsonObject } from '../../../schemas/object.js';
import { KUBE_PROTO } from './kube-proto.js';

/** The protobuf media type of Kubernetes clients. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const root = protobuf.parse(KUBE_PROTO, { keepCase: true }).root;
root.resolveAll();
const unknownType = root.lookupType('kube.Unknown');

/** `apiVersion/kind` → the message type of the kinds that may arrive as protobuf. */
const MESSAGES = new Map<string, protobuf.Type>(
  [
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ['v1', 'Secret'],
  ].map(([apiVersion, kind]) => [`${apiVersion}/${kind}`, root.lookupType(`kube.${kind!}`)]),
);

/** Whether objects of `apiVersion`/`kind` are accepted as protobuf. */
export function acceptsProtobuf(apiVersion: string, kind: string): boolean {
  return MESSAGES.has(`${apiVersion}/${kind}`);
}

function rfc3339(time: { seconds?: number; nanos?: number }): string {
  return new Date((time.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites what protobufjs' plain objects hold differently from kube's JSON: Time and FieldsV1. */
function toKubeJson(value: unknown, field: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => toKubeJson(v, field));
  if (!isRecord(value)) return value;
  if (field === 'creationTimestamp' || field === 'deletionTimestamp' || field === 'time') {
    const time = value as { seconds?: number; nanos?: number };
    // Go's zero time is what an unset timestamp encodes as; kube's JSON writes it as null.
    return (time.seconds ?? 0) === 0 && (time.nanos ?? 0) === 0 ? undefined : rfc3339(time);
  }
  if (field === 'fieldsV1') {
    const raw = value['Raw'];
    if (typeof raw !== 'string') return {};
    try {
      return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
    } catch {
      throw new BadRequestError('protobuf body: metadata.managedFields[].fieldsV1 is not JSON');
    }
  }
  // Map fields (labels, annotations, data, …) hold user keys: their values are left as decoded.
  if (field === 'labels' || field === 'annotations' || field === 'data' || field === 'stringData' || field === 'matchLabels') return value;
  // Go's protobuf encoder writes every string and number, set or not; kube's JSON omits the empty ones
  // (omitempty), and for these kinds an empty value means the same as an absent one.
  return Object.fromEntries(
    Object.entries(value)
      .map(([k, v]) => [k, toKubeJson(v, k)] as const)
      .filter(([, v]) => v !== undefined && v !== '' && v !== 0 && v !== false),
  );
}

/**
 * Decodes a protobuf request body into a JSON object with `apiVersion` and `kind`.
 * @throws BadRequestError when the body lacks the magic prefix, does not decode, or names a kind that is not
 *   accepted as protobuf (with what to send instead).
 */
export function decodeKubeProtobuf(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BadRequestError('protobuf body: missing the "k8s\\0" prefix of Kubernetes protobuf encoding');
  }
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string };
  try {
    envelope = unknownType.toObject(unknownType.decode(body.subarray(MAGIC.length)), { defaults: false });
  } catch (err) {
    throw new BadRequestError(`protobuf body: ${(err as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  const message = MESSAGES.get(`${apiVersion}/${kind}`);
  if (message === undefined) {
    throw new BadRequestError(`protobuf body: ${apiVersion}/${kind} is not accepted as protobuf; send application/json`);
  }
  if (envelope.contentEncoding) throw new BadRequestError(`protobuf body: content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`);
  let decoded: Record<string, unknown>;
  try {
    decoded = message.toObject(message.decode(envelope.raw ?? new Uint8Array()), { longs: Number, bytes: String, defaults: false, arrays: false });
  } catch (err) {
    throw new BadRequestError(`protobuf body: ${kind}: ${(err as Error).message}`);
  }
  return { apiVersion, kind, ...(toKubeJson(decoded, undefined) as JsonObject) };
}
