/**
 * The admin token of `converge serve`'s kubeconfig: user `admin` in `system:masters`. Created in the token file
 * on first start and reused while the kubeconfig still holds it and the token file still accepts it; revoking
 * it (`converge token revoke`) makes the next start mint a new one.
 */
import { SYSTEM_MASTERS } from '../types.js';
import { parseToken, secretMatches } from './token.js';
import { createToken, readTokenFile } from './token-file.js';

/** The admin user's name. */
export const ADMIN_USER_NAME = 'admin';

/** Options of {@link ensureAdminToken}. */
export interface AdminTokenOptions {
  readonly tokenFile: string;
  /** The token the current kubeconfig holds, if any. */
  readonly existing: string | undefined;
  readonly now?: Date;
}

/** Returns a valid admin token: `existing` when the token file still accepts it as admin, else a new one. */
export async function ensureAdminToken(options: AdminTokenOptions): Promise<string> {
  const now = options.now ?? new Date();
  const parsed = options.existing === undefined ? undefined : parseToken(options.existing);
  if (parsed !== undefined && options.existing !== undefined) {
    const entry = (await readTokenFile(options.tokenFile)).find((e) => e.id === parsed.id);
    const valid =
      entry !== undefined &&
      secretMatches(parsed.secret, entry.secretHash) &&
      entry.user === ADMIN_USER_NAME &&
      entry.groups.includes(SYSTEM_MASTERS) &&
      (entry.expiresAt === undefined || Date.parse(entry.expiresAt) > now.getTime());
    if (valid) return options.existing;
  }
  const { token } = await createToken(options.tokenFile, { user: ADMIN_USER_NAME, groups: [SYSTEM_MASTERS], description: 'admin kubeconfig', now });
  return token;
}
