/**
 * Field-cause vocabulary shared by the schemas and the validator: the Kubernetes `StatusCause`
 * reasons, and a way for cross-field checks (`superRefine`) to report a cause with its own reason.
 */
import type { z } from 'zod';

/** Kubernetes field-error reasons (`k8s.io/apimachinery/pkg/util/validation/field`). */
export const FieldReason = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  NotSupported: 'FieldValueNotSupported',
  TypeInvalid: 'FieldValueTypeInvalid',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
} as const;
/** One of {@link FieldReason}. */
export type FieldReason = (typeof FieldReason)[keyof typeof FieldReason];

/** Marker in a custom issue's params: the message is complete and `reason` is authoritative. */
export interface CauseParams {
  readonly reason: FieldReason;
  readonly complete: true;
}

/** Narrows zod custom-issue params to {@link CauseParams}. */
export function isCauseParams(params: unknown): params is CauseParams {
  if (typeof params !== 'object' || params === null) return false;
  const p = params as { reason?: unknown; complete?: unknown };
  return typeof p.reason === 'string' && p.complete === true;
}

/**
 * Reports a cause from a refinement. `path` is relative to the refined value; `message` is shown as is
 * (e.g. `overlaps spec.cidrs[0] (10.0.0.0/8)`), so it must name the value when that helps.
 */
export function addCause(
  ctx: z.RefinementCtx,
  cause: { readonly path: readonly (string | number)[]; readonly reason: FieldReason; readonly message: string },
): void {
  const params: CauseParams = { reason: cause.reason, complete: true };
  ctx.addIssue({ code: 'custom', path: [...cause.path], message: cause.message, params });
}

/** Renders a value for a message the way Kubernetes does: strings quoted, others as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return typeof value;
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}
