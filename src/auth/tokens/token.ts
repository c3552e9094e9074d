/**
 * Bearer token format and hashing. A token is `cvg_<id>.<secret>`: the id (public, shown by `converge token
 * list`) finds the entry, the secret is only ever stored as its SHA-256 and compared in constant time, so the
 * token file leaks no usable credential and lookup does not depend on comparing secrets.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PATTERN = /^cvg_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

/** A token split into its public id and secret part. */
export interface ParsedToken {
  readonly id: string;
  readonly secret: string;
}

/** A freshly minted token: the clear text (shown once) and what the token file keeps. */
export interface MintedToken {
  readonly id: string;
  readonly token: string;
  readonly secretHash: string;
}

/** SHA-256 of a secret, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Makes a new random token (64-bit id, 256-bit secret). */
export function mintToken(): MintedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `cvg_${id}.${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a token; undefined when it is not in Converge's format. */
export function parseToken(token: string): ParsedToken | undefined {
  const m = TOKEN_PATTERN.exec(token);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return { id: m[1], secret: m[2] };
}

/** True when `secret` hashes to `secretHash`, compared in constant time. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
