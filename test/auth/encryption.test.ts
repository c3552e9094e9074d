/**
 * Secrets encrypted at rest on the embedded sqlite store: what reaches the database file is AES-GCM ciphertext
 * (neither the value nor its base64), every API path returns the decrypted object, rotation re-encrypts at the
 * next start so the old key can go, and a tampered, moved or unknown-key value is an error naming the key,
 * never garbage and never a crash.
 */
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { startConvergeServer, type ConvergeServer } from '../../src/server/converge-server.js';
import { DEFAULT_KEY_FILE } from '../../src/server/encryption.js';
import { addKey, AESGCM_PREFIX, aesGcmTransformer, EncryptingBackend, KeyPlacement, loadKeyFile, newKey, removeKey } from '../../src/store/encryption/index.js';
import { request } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { openWatch } from '../helpers/watch-stream.js';

const CANARY = `canary-${Date.now().toString(36)}-sqlite-7f3e`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const SECRETS = '/api/v1/namespaces/default/secrets';
const KEY = '/registry/core/secrets/default/';

function encrypting(server: ConvergeServer): EncryptingBackend {
  if (!(server.backend instanceof EncryptingBackend)) throw new Error('the server store is not encrypting');
  return server.backend;
}

/** Every byte sqlite holds for this data dir (main file, WAL, shared memory), as one latin1 string. */
async function rawStore(dataDir: string): Promise<string> {
  const names = (await readdir(dataDir)).filter((n) => n.startsWith('state.db'));
  const parts = await Promise.all(names.map((n) => readFile(join(dataDir, n))));
  return Buffer.concat(parts).toString('latin1');
}

t.test('unit: the transformer authenticates the key, detects tampering and names unknown keys', async (t) => {
  const k1 = newKey();
  const k2 = newKey();
  const both = aesGcmTransformer([k1, k2]);
  const onlyK2 = aesGcmTransformer([k2]);
  const stored = both.toStorage('/registry/core/secrets/a/x', '{"data":"v"}');
  t.ok(stored.startsWith(`${AESGCM_PREFIX}${k1.name}:`), 'prefix names the write key');
  t.same(both.fromStorage('/registry/core/secrets/a/x', stored), { value: '{"data":"v"}', stale: false });
  t.not(both.toStorage('/k', 'same'), both.toStorage('/k', 'same'), 'a fresh nonce every time');
  const body = Buffer.from(stored.slice(stored.lastIndexOf(':') + 1), 'base64');
  body[20] = (body[20] ?? 0) ^ 1;
  const tampered = `${stored.slice(0, stored.lastIndexOf(':') + 1)}${body.toString('base64')}`;
  const cases = [
    { name: 'moved to another key', t: both, key: '/registry/core/secrets/a/y', value: stored, error: new RegExp(`cannot decrypt /registry/core/secrets/a/y with key "${k1.name}"`) },
    { name: 'one flipped bit', t: both, key: '/registry/core/secrets/a/x', value: tampered, error: /stored value was altered/ },
    { name: 'truncated', t: both, key: '/registry/core/secrets/a/x', value: stored.slice(0, AESGCM_PREFIX.length + k1.name.length + 5), error: /altered/ },
    { name: 'unknown key', t: onlyK2, key: '/registry/core/secrets/a/x', value: stored, error: new RegExp(`key "${k1.name}", which is not in the encryption key file`) },
    { name: 'unknown provider', t: both, key: '/k', value: 'k8s:enc:kms:v2:x:abc', error: /unknown encryption provider/ },
  ];
  for (const c of cases) t.throws(() => c.t.fromStorage(c.key, c.value), { code: 'InternalError', message: c.error }, c.name);
  t.same(both.fromStorage('/k', '{"plain":true}'), { value: '{"plain":true}', stale: true }, 'plaintext from before encryption still reads, as stale');
  t.same(aesGcmTransformer([k2, k1]).fromStorage('/registry/core/secrets/a/x', stored).stale, true, 'an older key is stale');
  t.throws(() => aesGcmTransformer([]), /at least one key/);
  t.throws(() => aesGcmTransformer([{ name: 'short', secret: Buffer.alloc(16) }]), /AES-256 needs 32/);
});

t.test('sqlite: ciphertext at rest, plaintext through every API path', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.stop());
  const api = (path: string, options?: Parameters<typeof request>[2]) => request(server.url, path, options);

  const keyFile = join(server.dataDir, DEFAULT_KEY_FILE);
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'key file created on first start, mode 0600');
  t.equal((await loadKeyFile(keyFile)).keys.length, 1);

  const startRv = ((await api(SECRETS)).body['metadata'] as { resourceVersion: string }).resourceVersion;
  const watch = await openWatch(server.url, `${SECRETS}?watch=1&resourceVersion=${startRv}`);
  t.teardown(() => watch.close());
  const created = await api(SECRETS, { method: 'POST', json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: CANARY } } });
  t.equal(created.status, 201, created.text);
  t.same(created.body['data'], { password: b64(CANARY) }, 'create returns the data');
  const applied = await api(`${SECRETS}/applied?fieldManager=test`, {
    method: 'PATCH',
    raw: `apiVersion: v1\nkind: Secret\nmetadata: {name: applied}\nstringData: {token: ${CANARY}-ssa}\n`,
    contentType: 'application/apply-patch+yaml',
  });
  t.equal(applied.status, 201, applied.text);
  t.same(applied.body['data'], { token: b64(`${CANARY}-ssa`) }, 'server-side apply returns the data');
  const patched = await api(`${SECRETS}/creds`, { method: 'PATCH', json: { stringData: { user: 'admin' } }, contentType: 'application/merge-patch+json' });
  t.same(patched.body['data'], { password: b64(CANARY), user: b64('admin') }, 'a merge patch is computed on the decrypted object');

  t.same((await api(`${SECRETS}/creds`)).body['data'], patched.body['data'], 'get');
  const list = (await api(SECRETS)).body['items'] as { metadata: { name: string }; data: unknown }[];
  t.same(list.map((s) => [s.metadata.name, s.data]), [['applied', applied.body['data']], ['creds', patched.body['data']]], 'list');
  const events = [await watch.next(), await watch.next(), await watch.next()];
  t.same(events.map((e) => [e.type, e.object.metadata.name, e.object['data']]), [
    ['ADDED', 'creds', { password: b64(CANARY) }],
    ['ADDED', 'applied', { token: b64(`${CANARY}-ssa`) }],
    ['MODIFIED', 'creds', patched.body['data']],
  ], 'watch events carry decrypted objects');
  const initial = await openWatch(server.url, `${SECRETS}?watch=1`);
  const replay = [await initial.next(), await initial.next()];
  initial.close();
  t.same(replay.map((e) => e.object['data'] !== undefined), [true, true], 'a watch from now lists decrypted objects first');

  const inner = encrypting(server).inner;
  const raw = await inner.get(`${KEY}creds`);
  t.match(raw?.value, new RegExp(`^${AESGCM_PREFIX}key-`), 'stored value is aesgcm ciphertext');
  t.notMatch(raw?.value, /"kind"|creds|Secret/, 'the whole object is encrypted, metadata included');
  const bytes = await rawStore(server.dataDir);
  for (const [what, needle] of [['the value', CANARY], ['its base64', b64(CANARY)], ['the applied value in base64', b64(`${CANARY}-ssa`)]] as const) {
    t.equal(bytes.includes(needle), false, `sqlite files do not contain ${what}`);
  }
  t.ok(bytes.includes(AESGCM_PREFIX), 'the sqlite files do contain the ciphertext (the grep looks at the right bytes)');

  const deleted = await api(`${SECRETS}/applied`, { method: 'DELETE' });
  t.equal(deleted.status, 200, deleted.text);
  const appliedUid = (applied.body['metadata'] as { uid: string }).uid;
  t.equal((deleted.body['details'] as { uid?: string } | undefined)?.uid, appliedUid, "delete's Status names the decrypted object's uid");
  const del = await watch.next();
  t.same([del.type, del.object['data']], ['DELETED', applied.body['data']], 'delete event decrypted');
  await api(SECRETS, { method: 'POST', json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'held', finalizers: ['example.com/hold'] }, stringData: { k: CANARY } } });
  const held = await api(`${SECRETS}/held`, { method: 'DELETE' });
  t.equal(held.status, 202, held.text);
  t.same(held.body['data'], { k: b64(CANARY) }, 'a delete held by a finalizer returns the decrypted object');

  // Tampering with the stored bytes: an error naming the key, not garbage; the other Secrets still serve.
  await api(SECRETS, { method: 'POST', json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other' }, stringData: { a: 'b' } } });
  const current = await inner.get(`${KEY}creds`);
  const flipped = `${current?.value.slice(0, -6) ?? ''}AAAAAA`;
  await inner.update(`${KEY}creds`, flipped, current?.modRevision ?? 0);
  const bad = await api(`${SECRETS}/creds`);
  t.equal(bad.status, 500);
  t.match(bad.body['message'], /cannot decrypt \/registry\/core\/secrets\/default\/creds with key "key-/);
  t.notMatch(bad.text, new RegExp(`${CANARY}|${b64(CANARY)}`));
  t.equal((await api(`${SECRETS}/other`)).status, 200, 'other Secrets are unaffected');
  const stolen = await inner.get(`${KEY}other`);
  await inner.update(`${KEY}creds`, stolen?.value ?? '', (await inner.get(`${KEY}creds`))?.modRevision ?? 0);
  const moved = await api(`${SECRETS}/creds`);
  t.equal(moved.status, 500, 'a ciphertext copied from another Secret does not decrypt (storage key is authenticated)');
  t.match(moved.body['message'], /cannot decrypt \/registry\/core\/secrets\/default\/creds/);
});

t.test('sqlite: rotate, restart re-encrypts, remove the old key, still readable; plaintext from before is encrypted', async (t) => {
  const first = await startTestServer();
  const dataDir = first.dataDir;
  t.teardown(() => first.stop());
  await request(first.url, SECRETS, { method: 'POST', json: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rot' }, stringData: { v: CANARY } } });
  // A Secret written before encryption was turned on: plain JSON in the store.
  await encrypting(first).inner.create(`${KEY}legacy`, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'legacy', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' }, type: 'Opaque', data: { v: b64(CANARY) } }));
  t.same((await request(first.url, `${SECRETS}/legacy`)).body['data'], { v: b64(CANARY) }, 'unencrypted value reads (identity fallback)');
  await first.close();

  const keyFile = join(dataDir, DEFAULT_KEY_FILE);
  const oldKey = (await loadKeyFile(keyFile)).keys[0]?.name ?? '';
  const newName = await addKey(keyFile, KeyPlacement.Primary);
  const start = () => startConvergeServer({ dataDir, host: '127.0.0.1', port: 0, logger: silentLogger(), controllers: false });
  const second = await start();
  for (const name of ['rot', 'legacy']) {
    const raw = await encrypting(second).inner.get(`${KEY}${name}`);
    t.ok(raw?.value.startsWith(`${AESGCM_PREFIX}${newName}:`), `${name} re-encrypted with the new key at start`);
  }
  await second.close();

  await removeKey(keyFile, oldKey);
  const third = await start();
  t.teardown(() => third.close());
  for (const name of ['rot', 'legacy']) {
    t.same((await request(third.url, `${SECRETS}/${name}`)).body['data'], { v: b64(CANARY) }, `${name} readable with the old key removed`);
  }
});

t.test('key file problems stop the server with a message naming the file; unknown keys name the key', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.stop());
  const start = (keyFile: string) => startConvergeServer({ dataDir: server.dataDir, storeUrl: 'memory://', encryptionKeyFile: keyFile, host: '127.0.0.1', port: 0, logger: silentLogger(), controllers: false });
  const missing = join(server.dataDir, 'missing.json');
  await t.rejects(start(missing), { message: new RegExp(`encryption key file ${missing}: cannot read it \\(ENOENT\\)`) });
  const corrupt = join(server.dataDir, 'corrupt.json');
  await writeFile(corrupt, '{"keys":[{"name":"k1","secret":"dG9vIHNob3J0"}]}', { mode: 0o600 });
  await t.rejects(start(corrupt), { message: /corrupt.json: key "k1": "secret" must be the base64 of exactly 32 random bytes/ });
  const err = await start(corrupt).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.notMatch(err instanceof Error ? err.message : '', /dG9vIHNob3J0/, 'the key material is not in the error');

  // A value under a key this server does not hold (another replica's key): 500 naming it, and no crash.
  const foreign = newKey();
  const value = aesGcmTransformer([foreign]).toStorage(`${KEY}foreign`, '{"kind":"Secret"}');
  await encrypting(server).inner.create(`${KEY}foreign`, value);
  const res = await request(server.url, `${SECRETS}/foreign`);
  t.equal(res.status, 500);
  t.match(res.body['message'], `encrypted with key "${foreign.name}", which is not in the encryption key file`);
  t.equal((await request(server.url, '/readyz')).status, 200, 'the server keeps serving');
});
