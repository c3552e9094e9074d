/**
 * Server-side apply engine: pure functions the API server's PATCH/PUT/POST handlers call to merge
 * applied configurations and keep `metadata.managedFields` as kube-apiserver does.
 */
export { serverSideApply, type ApplyOptions, type ApplyResult } from './apply.js';
export { recordUpdate, attributeExistingFields, BEFORE_FIRST_APPLY, type RecordUpdateOptions } from './update.js';
export { fieldManagerFor, FIELD_MANAGER_MAX_LENGTH, type FieldManagerOptions } from './manager.js';
export { conflictError, FIELD_MANAGER_CONFLICT } from './conflict.js';
export { FieldSet } from './fieldset.js';
export { fieldSetFromObject } from './toset.js';
export { listTypeAt, isFreeMapAt, fieldSchemaFor, type FieldSchema, type ListType } from './lists.js';
export { mergeApplied } from './merge.js';
export { LAST_APPLIED_ANNOTATION } from './lastapplied.js';
export type { Subresource } from './scope.js';
