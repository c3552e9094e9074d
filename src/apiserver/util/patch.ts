/**
 * The two patch formats the API accepts besides server-side apply: JSON merge patch (RFC 7386) and JSON patch
 * (RFC 6902). Both are pure: they return a new document and never mutate their inputs. Whether a patch may change
 * `apiVersion`, `kind`, `metadata.name` or other immutable fields is for the caller's validation to decide.
 */
export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch, parsePointer, DEFAULT_MAX_OPERATIONS, type JsonPatchOptions } from './json-patch.js';
