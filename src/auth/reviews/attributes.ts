/**
 * The request attributes of `authorization.k8s.io/v1` access reviews (SelfSubjectAccessReview,
 * SubjectAccessReview): what `kubectl auth can-i` asks about, validated as kube-apiserver does (exactly one of
 * `resourceAttributes` and `nonResourceAttributes`) and turned into the {@link RequestAttributes} the
 * authorizer decides on — so a review answers exactly what the same request would get.
 */
import { z } from 'zod';
import { parseWithCauses } from '../../../schemas/validate.js';
import { InvalidError } from '../../errors/index.js';
import type { RequestAttributes, UserInfo } from '../types.js';

const text = (max: number) => z.string().max(max).optional();

/** `spec.resourceAttributes`. Newer kubectl fields (fieldSelector, labelSelector) are accepted and not used, as RBAC ignores them. */
export const resourceAttributesSchema = z.looseObject({
  namespace: text(253),
  verb: text(256),
  group: text(253),
  version: text(64),
  resource: text(253),
  subresource: text(253),
  name: text(253),
});

/** `spec.nonResourceAttributes`. */
export const nonResourceAttributesSchema = z.looseObject({ path: text(4096), verb: text(256) });

/** The attribute part of an access review's spec. */
export const accessAttributesSchema = {
  resourceAttributes: resourceAttributesSchema.optional(),
  nonResourceAttributes: nonResourceAttributesSchema.optional(),
};

/** A validated spec with exactly one kind of attributes. */
export type AccessAttributes = {
  readonly resourceAttributes?: z.output<typeof resourceAttributesSchema>;
  readonly nonResourceAttributes?: z.output<typeof nonResourceAttributesSchema>;
};

/**
 * Validates a review body's `spec` with `schema` and the one-of rule.
 * @throws InvalidError naming each bad field (`spec.resourceAttributes.verb: …`).
 */
export function parseReviewSpec<S extends z.ZodType<AccessAttributes>>(kind: string, schema: S, body: Record<string, unknown>): z.output<S> {
  const parsed = parseWithCauses(schema, body['spec'] ?? {}, 'spec', { unknownFields: 'Ignore' });
  if (!parsed.ok) throw new InvalidError(`${kind} is invalid`, { causes: parsed.causes, kind });
  const spec = parsed.value;
  const both = spec.resourceAttributes !== undefined && spec.nonResourceAttributes !== undefined;
  const neither = spec.resourceAttributes === undefined && spec.nonResourceAttributes === undefined;
  if (both || neither) {
    const message = both
      ? 'Invalid value: "": cannot be specified in combination with resourceAttributes'
      : 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified';
    throw new InvalidError(`${kind} is invalid`, {
      kind,
      causes: [{ field: both ? 'spec.nonResourceAttributes' : 'spec.resourceAttributes', reason: both ? 'FieldValueInvalid' : 'FieldValueRequired', message }],
    });
  }
  return spec;
}

/** The request a review asks about, for `user`. */
export function requestAttributesOf(user: UserInfo, spec: AccessAttributes): RequestAttributes {
  const resource = spec.resourceAttributes;
  if (resource === undefined) {
    return { user, verb: spec.nonResourceAttributes?.verb ?? '', resourceRequest: false, group: '', resource: '', path: spec.nonResourceAttributes?.path ?? '' };
  }
  return {
    user,
    verb: resource.verb ?? '',
    resourceRequest: true,
    group: resource.group ?? '',
    resource: resource.resource ?? '',
    ...(resource.subresource ? { subresource: resource.subresource } : {}),
    ...(resource.namespace ? { namespace: resource.namespace } : {}),
    ...(resource.name ? { name: resource.name } : {}),
    path: '',
  };
}
