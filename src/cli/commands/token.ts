/**
 * `converge token create|list|revoke`: bearer tokens in the token file of a data directory. They edit the file
 * directly (no server needed); a running `converge serve` on that directory sees the change on its next request.
 * A created token is printed once: the file keeps only its hash.
 */
import { join, resolve } from 'node:path';
import { createToken, readTokenFile, revokeToken } from '../../auth/tokens/token-file.js';
import { CliError } from '../errors.js';
import { durationFlag, parseFlags } from '../flags.js';
import { alignRows } from '../table-print.js';

const HELP = `Usage: converge token create --user USER [--group GROUP]... [--ttl DURATION]
       converge token list
       converge token revoke ID

Manages the bearer tokens "converge serve" accepts (hashed in <data-dir>/tokens.json, mode 0600). The
running server picks up changes at once. "create" prints the token once; it cannot be shown again.

Options:
  --data-dir DIR      state directory of the server (default ./.converge)
  --token-file PATH   token file (default <data-dir>/tokens.json)
  --user USER         the user the token authenticates as
  --group GROUP       a group of the user (repeatable), e.g. system:masters for full access
  --ttl DURATION      lifetime, e.g. 30m, 24h (default: no expiry)
  --description TEXT  a note shown by "list"
`;

function options(argv: readonly string[]) {
  return parseFlags('token', argv, {
    'data-dir': { type: 'string', default: './.converge' },
    'token-file': { type: 'string' },
    user: { type: 'string' },
    group: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    description: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

/** `converge token`; resolves to the exit code. */
export async function runToken(argv: readonly string[]): Promise<number> {
  const { values, positionals } = options(argv);
  const [sub, ...args] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const file = resolve(values['token-file'] ?? join(values['data-dir'], 'tokens.json'));
  switch (sub) {
    case 'create': {
      if (values.user === undefined || values.user === '') throw new CliError('token create: --user is required', 2);
      if (args.length > 0) throw new CliError(`token create: unexpected argument "${args[0] ?? ''}"`, 2);
      const ttlMs = values.ttl === undefined ? undefined : durationFlag('ttl', values.ttl);
      const { token, entry } = await createToken(file, {
        user: values.user,
        groups: values.group ?? [],
        ...(ttlMs !== undefined ? { ttlMs } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
      });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token ${entry.id} for user "${entry.user}"${entry.expiresAt ? `, expires ${entry.expiresAt}` : ''}; it is not stored in clear and cannot be shown again\n`);
      return 0;
    }
    case 'list': {
      const now = Date.now();
      const rows = (await readTokenFile(file)).map((e) => [
        e.id,
        e.user,
        e.groups.join(',') || '<none>',
        e.expiresAt === undefined ? '<never>' : Date.parse(e.expiresAt) <= now ? `${e.expiresAt} (expired)` : e.expiresAt,
        e.description ?? '',
      ]);
      process.stdout.write(`${alignRows([['ID', 'USER', 'GROUPS', 'EXPIRES', 'DESCRIPTION'], ...rows])}\n`);
      return 0;
    }
    case 'revoke': {
      const [id, extra] = args;
      if (id === undefined || extra !== undefined) throw new CliError('token revoke: expected exactly one token ID (see "converge token list")', 2);
      if (!(await revokeToken(file, id))) throw new CliError(`token revoke: no token "${id}" in ${file}`, 1);
      process.stdout.write(`token ${id} revoked\n`);
      return 0;
    }
    default:
      throw new CliError(`token: unknown subcommand "${sub}"; expected create, list or revoke`, 2);
  }
}
