/**
 * `converge secrets`: the key file that encrypts Secrets at rest, and re-encryption. These commands work on
 * the key file and the store directly, not through the API: key material never crosses the network.
 */
import { join } from 'node:path';
import { DEFAULT_KEY_FILE, encryptedPrefixes } from '../../server/encryption.js';
import { aesGcmTransformer, addKey, KeyPlacement, loadKeyFile, promoteKey, reencrypt, removeKey } from '../../store/encryption/index.js';
import { openBackend } from '../../store/index.js';
import { CliError } from '../errors.js';
import { parseFlags } from '../flags.js';

const HELP = `Usage:
  converge secrets rotate-key [--stage]   add a new random key to the key file: first (it encrypts from
                                          the next start of converge serve), or with --stage last
                                          (decrypt-only); creates the file when missing
  converge secrets promote-key NAME       make a staged key the write key
  converge secrets remove-key NAME        drop a key no value uses any more (not the write key)
  converge secrets reencrypt [--store URL]
                                          rewrite every Secret not encrypted with the write key
                                          (converge serve also does this at every start)
  converge secrets list-keys              key names, write key first (never the key material)

Options:
  --data-dir DIR              as for converge serve (default ./.converge)
  --encryption-key-file PATH  default <data-dir>/${DEFAULT_KEY_FILE}
  --store URL                 for reencrypt; default sqlite://<data-dir>/state.db. The embedded sqlite
                              store is locked by a running converge serve: stop it first, or just restart it

Rotation, one server:   rotate-key; restart converge serve (it re-encrypts); remove-key OLD.
Rotation, several replicas sharing etcd (each with a copy of the key file):
  1. rotate-key --stage, copy the file to every replica, restart them one by one
     (all can now decrypt the new key; none writes with it yet)
  2. promote-key NEW, copy, restart one by one (each start re-encrypts; every replica reads both keys)
  3. remove-key OLD once the servers log no value left under it, copy, restart.
Skipping step 1 is not unsafe, only noisy: a replica without the new key reports
"encrypted with key NEW, which is not in the encryption key file" for those Secrets until it gets it.
`;

/** `converge secrets …`; see HELP. */
export async function runSecrets(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('secrets', argv, {
    'data-dir': { type: 'string', default: './.converge' },
    'encryption-key-file': { type: 'string' },
    store: { type: 'string' },
    stage: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  const [verb, name, ...extra] = positionals;
  if (values.help || verb === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const dataDir = values['data-dir'];
  const keyFile = values['encryption-key-file'] ?? join(dataDir, DEFAULT_KEY_FILE);
  const needName = verb === 'promote-key' || verb === 'remove-key';
  if ((needName && name === undefined) || (!needName && name !== undefined) || extra.length > 0) {
    throw new CliError(`secrets ${verb}: wrong arguments; see "converge secrets --help"`, 2);
  }
  switch (verb) {
    case 'rotate-key': {
      const added = await addKey(keyFile, values.stage ? KeyPlacement.DecryptOnly : KeyPlacement.Primary);
      process.stdout.write(
        values.stage
          ? `added decrypt-only key ${added} to ${keyFile}; copy the file to every replica and restart them, then "converge secrets promote-key ${added}"\n`
          : `added key ${added} to ${keyFile} as the write key; restart converge serve to re-encrypt Secrets with it\n`,
      );
      return 0;
    }
    case 'promote-key':
      await promoteKey(keyFile, name ?? '');
      process.stdout.write(`key ${name ?? ''} is now the write key in ${keyFile}; restart converge serve to re-encrypt Secrets with it\n`);
      return 0;
    case 'remove-key':
      await removeKey(keyFile, name ?? '');
      process.stdout.write(`removed key ${name ?? ''} from ${keyFile}\n`);
      return 0;
    case 'list-keys': {
      const { keys } = await loadKeyFile(keyFile);
      keys.forEach((k, i) => process.stdout.write(`${k.name}${i === 0 ? '\t(write key)' : ''}\n`));
      return 0;
    }
    case 'reencrypt':
      return runReencrypt(keyFile, values.store ?? `sqlite://${join(dataDir, 'state.db')}`);
    default:
      throw new CliError(`secrets: unknown command "${verb}"; see "converge secrets --help"`, 2);
  }
}

async function runReencrypt(keyFile: string, storeUrl: string): Promise<number> {
  const { keys } = await loadKeyFile(keyFile);
  const transformer = aesGcmTransformer(keys);
  const backend = await openBackend(storeUrl, {});
  let failed = 0;
  try {
    for (const prefix of encryptedPrefixes()) {
      const result = await reencrypt({ backend, transformer, prefix });
      for (const f of result.failures) process.stderr.write(`error: ${f.message}\n`);
      failed += result.failures.length;
      process.stdout.write(`${prefix}: ${result.rewritten} re-encrypted with key ${keys[0]?.name ?? ''}, ${result.current} already current, ${result.failures.length} failed\n`);
    }
  } finally {
    await backend.close();
  }
  return failed > 0 ? 1 : 0;
}
