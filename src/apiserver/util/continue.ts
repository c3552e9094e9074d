/**
 * Continue tokens of paginated lists, in kube-apiserver's format: unpadded base64url of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":<key>}`. Tokens are opaque to clients but come back from them,
 * so decoding trusts nothing.
 */
import { BadRequestError } from '../../errors/index.js';

/** Where the next page starts: the snapshot revision and the last key already returned. */
export interface ContinuePosition {
  /** Store revision the first page was read at; later pages read the same snapshot. */
  readonly revision: number;
  /** The next page holds keys strictly greater than this one. */
  readonly startAfter: string;
}

const TOKEN_VERSION = 'meta.k8s.io/v1';
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Longer tokens cannot come from us: keys are short. Checked before decoding to bound the work. */
const MAX_TOKEN_LENGTH = 4096;

/** Encodes a position as an opaque `continue` token. */
export function encodeContinue(position: ContinuePosition): string {
  const json = JSON.stringify({ v: TOKEN_VERSION, rv: position.revision, start: position.startAfter });
  return Buffer.from(json, 'utf8').toString('base64url');
}

function invalid(detail?: string): never {
  throw new BadRequestError(`invalid continue token: continue key is not valid${detail ? `: ${detail}` : ''}`);
}

/** True when `key` is already in canonical form: no empty, `.` or `..` segments and no trailing slash. */
function isCleanPath(key: string): boolean {
  const abs = key.startsWith('/') ? key : `/${key}`;
  if (abs === '/') return false;
  return abs
    .slice(1)
    .split('/')
    .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * Decodes and validates a `continue` token produced by {@link encodeContinue}.
 * @throws BadRequestError "invalid continue token: continue key is not valid…" for anything else: bad base64url,
 *   bad JSON, unknown version, a revision that is not a positive integer, an empty key, or a key with `.`/`..`/empty
 *   segments (kube-apiserver's defence against walking out of the listed prefix).
 */
export function decodeContinue(token: string): ContinuePosition {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token) || token.length % 4 === 1) {
    invalid('illegal base64 data');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    invalid('malformed token');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) invalid('malformed token');
  const { v, rv, start } = parsed as Record<string, unknown>;
  if (v !== TOKEN_VERSION) invalid(`server does not recognize this encoded version ${JSON.stringify(v ?? '')}`);
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) {
    invalid(`incorrect encoded start resourceVersion (version ${TOKEN_VERSION})`);
  }
  if (typeof start !== 'string' || start.length === 0) invalid(`encoded start key empty (version ${TOKEN_VERSION})`);
  if (!isCleanPath(start) || start.includes('\0')) invalid(start);
  return { revision: rv, startAfter: start };
}
