/**
 * Secrets encrypted at rest on etcd with two API replicas, and the multi-replica rotation procedure of
 * `converge secrets --help`: stage the new key everywhere, promote it (each restart re-encrypts), remove the old
 * one. At every step both replicas read every Secret; a replica that skipped staging gets errors naming the key
 * it lacks, never garbage, and keeps serving. The raw etcd values are checked with etcd's own client.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { startConvergeServer, type ConvergeServer } from '../../src/server/converge-server.js';
import { DEFAULT_KEY_FILE } from '../../src/server/encryption.js';
import { addKey, AESGCM_PREFIX, KeyPlacement, loadKeyFile, promoteKey, removeKey } from '../../src/store/encryption/index.js';
import { startEtcd } from '../helpers/etcd.js';
import { request } from '../helpers/http.js';

const CANARY = `canary-${Date.now().toString(36)}-etcd-51c2`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const SECRETS = '/api/v1/namespaces/default/secrets';
const KEY = '/registry/core/secrets/default/';

const etcd = await startEtcd();
t.teardown(() => etcd.stop());
const raw = new Etcd3({ hosts: etcd.endpoint });
t.teardown(() => raw.close());
const dirA = await mkdtemp(join(tmpdir(), 'converge-enc-a-'));
const dirB = await mkdtemp(join(tmpdir(), 'converge-enc-b-'));
t.teardown(() => Promise.all([rm(dirA, { recursive: true, force: true }), rm(dirB, { recursive: true, force: true })]));
const fileA = join(dirA, DEFAULT_KEY_FILE);
const fileB = join(dirB, 'keys-copy.json');

const running = new Set<ConvergeServer>();
t.teardown(() => Promise.all([...running].map((s) => s.close())));
async function start(dataDir: string, keyFile?: string): Promise<ConvergeServer> {
  const server = await startConvergeServer({
    dataDir,
    storeUrl: etcd.url,
    ...(keyFile !== undefined ? { encryptionKeyFile: keyFile } : {}),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    controllers: false,
  });
  running.add(server);
  return server;
}
async function stop(server: ConvergeServer): Promise<void> {
  running.delete(server);
  await server.close();
}
const put = (server: ConvergeServer, name: string, value: string) =>
  request(server.url, SECRETS, { method: 'POST', json: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { v: value } } });
const dataOf = async (server: ConvergeServer, name: string) => {
  const res = await request(server.url, `${SECRETS}/${name}`);
  return res.status === 200 ? res.body['data'] : `${res.status} ${String(res.body['message'])}`;
};
/** The key name each stored Secret is encrypted with, read straight from etcd. */
async function storedKeys(): Promise<Record<string, string>> {
  const all = await raw.getAll().prefix(KEY).strings();
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k.slice(KEY.length), v.startsWith(AESGCM_PREFIX) ? v.slice(AESGCM_PREFIX.length).split(':')[0] ?? '' : 'PLAINTEXT']));
}

let a = await start(dirA);
await copyFile(fileA, fileB);
let b = await start(dirB, fileB);
const [k1] = (await loadKeyFile(fileA)).keys.map((k) => k.name);

t.test('etcd: the stored value is ciphertext; the other replica reads it decrypted', async (t) => {
  t.equal((await put(a, 'one', CANARY)).status, 201);
  const value = await raw.get(`${KEY}one`).string();
  t.match(value, new RegExp(`^${AESGCM_PREFIX}${k1}:`), 'etcd holds aesgcm ciphertext under the write key');
  t.notMatch(value, CANARY, 'not the value');
  t.notMatch(value, b64(CANARY), 'nor its base64');
  t.same(await dataOf(b, 'one'), { v: b64(CANARY) }, 'replica B decrypts with its copy of the key file');
  const list = await request(b.url, SECRETS);
  t.match(list.text, b64(CANARY), 'list through replica B');
});

t.test('etcd: stage, promote, remove — both replicas read everything at every step', async (t) => {
  const k2 = await addKey(fileA, KeyPlacement.DecryptOnly);
  await copyFile(fileA, fileB);
  await stop(a);
  await stop(b);
  a = await start(dirA);
  b = await start(dirB, fileB);
  t.same(await storedKeys(), { one: k1 }, 'staging a decrypt-only key rewrites nothing');

  // A replica that skipped staging: it lacks k2 and will meet values under it.
  const dirC = await mkdtemp(join(tmpdir(), 'converge-enc-c-'));
  t.teardown(() => rm(dirC, { recursive: true, force: true }));
  const fileC = join(dirC, 'keys.json');
  await copyFile(fileA, fileC);
  await removeKey(fileC, k2);

  await promoteKey(fileA, k2);
  await stop(a);
  a = await start(dirA);
  t.same(await storedKeys(), { one: k2 }, 'replica A re-encrypted with the promoted key at start');
  t.same(await dataOf(b, 'one'), { v: b64(CANARY) }, 'replica B (still writing with k1) reads the k2 value');
  t.equal((await put(b, 'two', `${CANARY}-2`)).status, 201);
  t.same(await storedKeys(), { one: k2, two: k1 }, 'B writes with its own write key');
  t.same(await dataOf(a, 'two'), { v: b64(`${CANARY}-2`) }, 'A reads what B wrote');

  const c = await start(dirC, fileC);
  t.match(await dataOf(c, 'one'), new RegExp(`^500 .*encrypted with key "${k2}", which is not in the encryption key file`), 'a replica without the key names it');
  t.same(await dataOf(c, 'two'), { v: b64(`${CANARY}-2`) }, 'and still serves the Secrets it can read');
  await stop(c);
  t.same(await storedKeys(), { one: k2, two: k1 }, "that replica's start left the values it could not read alone");

  await copyFile(fileA, fileB);
  await stop(b);
  b = await start(dirB, fileB);
  t.same(await storedKeys(), { one: k2, two: k2 }, "B's restart re-encrypted what it had written with k1");

  await removeKey(fileA, k1 ?? '');
  await copyFile(fileA, fileB);
  await stop(a);
  await stop(b);
  a = await start(dirA);
  b = await start(dirB, fileB);
  for (const server of [a, b]) {
    t.same([await dataOf(server, 'one'), await dataOf(server, 'two')], [{ v: b64(CANARY) }, { v: b64(`${CANARY}-2`) }], 'readable with k1 removed');
  }
});

t.test('etcd: tampered ciphertext is an error naming the key, not garbage', async (t) => {
  const value = await raw.get(`${KEY}one`).string();
  await raw.put(`${KEY}one`).value(`${value?.slice(0, -8) ?? ''}AAAAAAA=`);
  const res = await request(a.url, `${SECRETS}/one`);
  t.equal(res.status, 500);
  t.match(res.body['message'], /cannot decrypt \/registry\/core\/secrets\/default\/one with key "key-.*": the stored value was altered/);
  t.equal((await request(a.url, `${SECRETS}/two`)).status, 200, 'the other Secret still serves');
});
