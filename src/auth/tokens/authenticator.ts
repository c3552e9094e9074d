/**
 * Authenticates `Authorization: Bearer cvg_<id>.<secret>` against the token file. The file is re-read when its
 * mtime, size or inode changes (one stat per request; `converge token revoke` rewrites it by rename, so a
 * revoked token stops working on the next request without restarting the server).
 */
import { stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { UnauthorizedError, UnavailableError } from '../../errors/index.js';
import { SYSTEM_AUTHENTICATED, type Authenticator, type UserInfo } from '../types.js';
import { parseToken, secretMatches } from './token.js';
import { readTokenFile, type TokenEntry } from './token-file.js';

/** Options of {@link TokenAuthenticator}. */
export interface TokenAuthenticatorOptions {
  /** Path of the token file. */
  readonly path: string;
  /** Injectable clock for expiry. */
  readonly now?: () => Date;
}

/** The bearer token of a request, or undefined when it sends none. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/**
 * See the module comment. Rejects wrong, unknown, expired and revoked tokens with `UnauthorizedError`, and every
 * token with `UnavailableError` (503) while the token file is malformed.
 */
export class TokenAuthenticator implements Authenticator {
  readonly #path: string;
  readonly #now: () => Date;
  #byId = new Map<string, TokenEntry>();
  #version = '';
  #loading: Promise<void> | undefined;

  constructor(options: TokenAuthenticatorOptions) {
    this.#path = options.path;
    this.#now = options.now ?? (() => new Date());
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const parsed = parseToken(token);
    if (parsed === undefined) throw new UnauthorizedError();
    await this.#refresh();
    const entry = this.#byId.get(parsed.id);
    if (entry === undefined || !secretMatches(parsed.secret, entry.secretHash)) throw new UnauthorizedError();
    if (entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= this.#now().getTime()) throw new UnauthorizedError();
    const groups = entry.groups.includes(SYSTEM_AUTHENTICATED) ? entry.groups : [...entry.groups, SYSTEM_AUTHENTICATED];
    return { name: entry.user, groups, method: 'token' };
  }

  /** Reloads the file when it changed; concurrent requests share one reload. */
  async #refresh(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        let version: string;
        try {
          const s = await stat(this.#path, { bigint: true });
          version = `${s.ino}:${s.size}:${s.mtimeNs}`;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          version = 'missing';
        }
        if (version === this.#version) return;
        let entries: TokenEntry[];
        try {
          entries = await readTokenFile(this.#path);
        } catch (err) {
          // Fail closed and say why (a hand edit gone wrong): no token is accepted until the file is fixed.
          this.#byId = new Map();
          this.#version = '';
          throw new UnavailableError(`bearer tokens unavailable: ${(err as Error).message}`, { cause: err });
        }
        this.#byId = new Map(entries.map((e) => [e.id, e]));
        this.#version = version;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}
