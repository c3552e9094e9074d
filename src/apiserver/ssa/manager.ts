/**
 * The field manager a write is recorded under, chosen and validated as kube-apiserver does: the
 * `fieldManager` query parameter (required for apply), else the User-Agent up to its first `/`
 * (`kubectl-client-side-apply/v1.32.0 (linux/amd64) ...` gives `kubectl-client-side-apply`).
 */
import { InvalidError, type FieldCause } from '../../errors/index.js';

/** Longest field manager name accepted (kube's FieldManagerMaxLength), in bytes. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/** Options of {@link fieldManagerFor}. */
export interface FieldManagerOptions {
  /** The `fieldManager` query parameter; undefined or empty when not given. */
  readonly query: string | undefined;
  /** The `User-Agent` header. */
  readonly userAgent: string | undefined;
  /** True for `application/apply-patch+yaml`, where the parameter is required. */
  readonly isApply: boolean;
  /** Options kind named in the 422, after the verb: default `PatchOptions`. */
  readonly optionsKind?: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';
}

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The manager name. Throws {@link InvalidError} (422, kind `PatchOptions`, like kube) when apply has no
 * `fieldManager`, or the given one is longer than 128 bytes or has unprintable characters. A name
 * derived from the User-Agent drops unprintable characters and is cut at 128 bytes instead.
 */
export function fieldManagerFor(opts: FieldManagerOptions): string {
  const query = opts.query ?? '';
  const causes: FieldCause[] = [];
  if (opts.isApply && query === '') {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
  }
  if (Buffer.byteLength(query) > FIELD_MANAGER_MAX_LENGTH) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
      field: 'fieldManager',
    });
  }
  let position = 0;
  for (const ch of query) {
    if (!PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(query)}: invalid character U+${code} (at position ${position})`,
        field: 'fieldManager',
      });
    }
    position += Buffer.byteLength(ch);
  }
  if (causes.length > 0) {
    const details = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    const summary = causes.length === 1 ? details : `[${details}]`;
    const kind = opts.optionsKind ?? 'PatchOptions';
    throw new InvalidError(`${kind}.meta.k8s.io "" is invalid: ${summary}`, { kind, causes });
  }
  return query !== '' ? query : prefixFromUserAgent(opts.userAgent ?? '');
}

/** kube's `prefixFromUserAgent`: up to the first `/`, printable characters only, at most 128 bytes. */
function prefixFromUserAgent(userAgent: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of userAgent.split('/')[0] ?? '') {
    if (!PRINTABLE.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}
