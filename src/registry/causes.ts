import type { FieldCause } from '../errors/index.js';

/** Builders for the `StatusCause` entries the registry reports, with Kubernetes' reason strings. */
export const cause = {
  invalid: (field: string, message: string): FieldCause => ({ reason: 'FieldValueInvalid', field, message }),
  required: (field: string, message = 'Required value'): FieldCause => ({
    reason: 'FieldValueRequired',
    field,
    message,
  }),
  forbidden: (field: string, message: string): FieldCause => ({ reason: 'FieldValueForbidden', field, message }),
  unknown: (field: string): FieldCause => ({
    reason: 'FieldValueForbidden',
    field,
    message: `unknown field "${field}"`,
  }),
} as const;
