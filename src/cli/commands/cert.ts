/**
 * `converge cert create --user U [--group G]...`: a client certificate signed by the cluster CA of a data
 * directory (CN = user, O = groups), for kubectl's `client-certificate`/`client-key` or any TLS client.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { issueCertificate } from '../../auth/tls/certs.js';
import { writeFileAtomic } from '../../auth/tls/files.js';
import { pkiPaths } from '../../auth/tls/pki.js';
import { CliError } from '../errors.js';
import { parseFlags } from '../flags.js';

const HELP = `Usage: converge cert create --user USER [--group GROUP]... [--out PREFIX] [--days N]

Issues a client certificate signed by the cluster CA of --data-dir (created by "converge serve"):
subject CN = the user, O = each group. Writes PREFIX.crt and PREFIX.key (mode 0600).

Options:
  --data-dir DIR   state directory of the server (default ./.converge)
  --user USER      the user the certificate authenticates as
  --group GROUP    a group of the user (repeatable)
  --out PREFIX     output path prefix (default ./USER)
  --days N         validity in days (default 365)
`;

/** `converge cert`; resolves to the exit code. */
export async function runCert(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('cert', argv, {
    'data-dir': { type: 'string', default: './.converge' },
    user: { type: 'string' },
    group: { type: 'string', multiple: true },
    out: { type: 'string' },
    days: { type: 'string', default: '365' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals[0] !== 'create' || positionals.length !== 1) throw new CliError('cert: expected "converge cert create --user USER"', 2);
  if (values.user === undefined || values.user === '') throw new CliError('cert create: --user is required', 2);
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError(`--days: expected a whole number from 1 to 3650, got "${values.days}"`, 2);
  const paths = pkiPaths(resolve(values['data-dir']));
  let ca;
  try {
    ca = { certPem: await readFile(paths.caCert, 'utf8'), keyPem: await readFile(paths.caKey, 'utf8') };
  } catch {
    throw new CliError(`cert create: no cluster CA in ${paths.dir}: start "converge serve --data-dir ${values['data-dir']}" once first`, 1);
  }
  const pair = issueCertificate({ ca, commonName: values.user, organizations: values.group ?? [], usage: 'client', validityDays: days });
  const prefix = resolve(values.out ?? join('.', values.user.replace(/[^A-Za-z0-9._-]/g, '_')));
  await writeFileAtomic(`${prefix}.key`, pair.keyPem, 0o600);
  await writeFileAtomic(`${prefix}.crt`, pair.certPem, 0o644);
  process.stdout.write(`${prefix}.crt\n${prefix}.key\n`);
  return 0;
}
