/**
 * `converge secrets`: the key file commands (created 0600, stage/promote/remove, the write key cannot be
 * removed, key material never printed) and `reencrypt` against a stopped server's sqlite store.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { startConvergeServer } from '../../src/server/converge-server.js';
import { AESGCM_PREFIX, loadKeyFile } from '../../src/store/encryption/index.js';
import { openBackend } from '../../src/store/index.js';
import { runConverge } from '../helpers/converge-cli.js';
import { request } from '../helpers/http.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-secrets-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const keyFile = join(dir, 'encryption-keys.json');
const secrets = (...args: string[]) => runConverge(['secrets', ...args, '--data-dir', dir]);

t.test('key file commands', async (t) => {
  const created = await secrets('rotate-key');
  t.equal(created.code, 0, created.stderr);
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'created with mode 0600');
  const [first] = (await loadKeyFile(keyFile)).keys;
  t.match(created.stdout, `added key ${first?.name ?? '?'}`, 'a missing file is created with one key, the one reported');

  const staged = await secrets('rotate-key', '--stage');
  t.equal(staged.code, 0, staged.stderr);
  const keys = (await loadKeyFile(keyFile)).keys.map((k) => k.name);
  t.equal(keys.length, 2);
  t.equal(keys[0], first?.name, '--stage keeps the write key first');
  const listed = await secrets('list-keys');
  t.equal(listed.stdout, `${keys[0] ?? ''}\t(write key)\n${keys[1] ?? ''}\n`, 'list-keys shows names only');
  const material = JSON.parse(await readFile(keyFile, 'utf8')) as { keys: { secret: string }[] };
  for (const k of material.keys) t.notMatch(staged.stdout + listed.stdout, k.secret, 'key material is never printed');

  const refused = await secrets('remove-key', keys[0] ?? '');
  t.equal(refused.code, 1);
  t.match(refused.stderr, 'is the write key; promote another key before removing it');
  t.equal((await secrets('promote-key', keys[1] ?? '')).code, 0);
  t.equal((await loadKeyFile(keyFile)).keys[0]?.name, keys[1], 'promoted');
  t.equal((await secrets('remove-key', keys[0] ?? '')).code, 0);
  t.same((await loadKeyFile(keyFile)).keys.map((k) => k.name), [keys[1]]);
  const unknown = await secrets('promote-key', 'nope');
  t.match(unknown.stderr, `encryption key file ${keyFile}: no key named "nope"`);
});

t.test('reencrypt rewrites the store with the write key while the server is stopped', async (t) => {
  const server = await startConvergeServer({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger(), controllers: false });
  const res = await request(server.url, '/api/v1/namespaces/default/secrets', {
    method: 'POST',
    json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cli' }, stringData: { k: 'v' } },
  });
  t.equal(res.status, 201, res.text);
  await server.close();
  t.equal((await secrets('rotate-key')).code, 0);
  const newKey = (await loadKeyFile(keyFile)).keys[0]?.name ?? '';
  const out = await secrets('reencrypt');
  t.equal(out.code, 0, out.stderr);
  t.match(out.stdout, `/registry/core/secrets/: 1 re-encrypted with key ${newKey}, 0 already current, 0 failed`);
  const backend = await openBackend(`sqlite://${join(dir, 'state.db')}`);
  t.teardown(() => backend.close());
  t.ok((await backend.get('/registry/core/secrets/default/cli'))?.value.startsWith(`${AESGCM_PREFIX}${newKey}:`), 'stored under the new key');
});
