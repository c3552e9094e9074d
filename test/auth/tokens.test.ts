/**
 * Bearer tokens: `cvg_<id>.<secret>`, stored hashed in the token file, looked up by id; `converge token
 * create/list/revoke` edit the file of a data directory and the running server follows at once. Wrong, unknown,
 * expired and revoked tokens are 401; every token user is also in system:authenticated.
 */
import type { IncomingMessage } from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { UnauthorizedError, UnavailableError } from '../../src/errors/index.js';
import { TokenAuthenticator } from '../../src/auth/tokens/authenticator.js';
import { createToken, readTokenFile, revokeToken } from '../../src/auth/tokens/token-file.js';
import { parseToken } from '../../src/auth/tokens/token.js';
import { spawnServe } from '../helpers/cli.js';
import { runConverge } from '../helpers/converge-cli.js';
import { serverFetch } from '../helpers/secure-fetch.js';

const dir = await mkdtemp(join(tmpdir(), 'converge-tokens-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

const withToken = (token: string | undefined) => ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

t.test('token file: hashed at rest, 0600, looked up by id; authenticator follows edits', async (t) => {
  const file = join(dir, 'unit.json');
  let now = new Date('2030-01-01T00:00:00Z');
  const auth = new TokenAuthenticator({ path: file, now: () => now });
  const alice = await createToken(file, { user: 'alice', groups: ['dev'], now });
  const short = await createToken(file, { user: 'tmp', ttlMs: 60_000, now });
  const text = await readFile(file, 'utf8');
  t.notOk(text.includes(parseToken(alice.token)?.secret ?? 'x'), 'no secret in the file');
  t.ok(text.includes(alice.entry.id), 'the id is');
  t.equal((await stat(file)).mode & 0o777, 0o600);

  t.same(await auth.authenticate(withToken(alice.token)), { name: 'alice', groups: ['dev', 'system:authenticated'], method: 'token' });
  t.equal(await auth.authenticate(withToken(undefined)), undefined, 'no credentials: not this authenticator\'s business');
  const wrongSecret = `${alice.token.slice(0, -4)}AAAA`;
  const cases: { name: string; token: string }[] = [
    { name: 'wrong secret', token: wrongSecret },
    { name: 'unknown id', token: `cvg_ffffffffffffffff.${alice.token.split('.')[1] ?? ''}` },
    { name: 'not a converge token', token: 'hello' },
  ];
  for (const c of cases) await t.rejects(auth.authenticate(withToken(c.token)), UnauthorizedError, c.name);

  t.match(await auth.authenticate(withToken(short.token)), { name: 'tmp' }, 'valid before expiry');
  now = new Date(now.getTime() + 61_000);
  await t.rejects(auth.authenticate(withToken(short.token)), UnauthorizedError, 'expired');

  t.ok(await revokeToken(file, alice.entry.id));
  t.notOk(await revokeToken(file, alice.entry.id), 'revoking twice finds nothing');
  await t.rejects(auth.authenticate(withToken(alice.token)), UnauthorizedError, 'revoked: the next request sees the rewritten file');
  t.same((await readTokenFile(file)).map((e) => e.user), ['tmp']);

  // A hand edit gone wrong fails closed with the reason (503), and recovers once the file is fixed.
  const good = await readFile(file, 'utf8');
  const fresh = await createToken(join(dir, 'other.json'), { user: 'x' });
  await writeFile(file, '{"tokens": [ {"id": 1} ]}');
  await t.rejects(auth.authenticate(withToken(fresh.token)), UnavailableError, 'malformed token file');
  await writeFile(file, good);
  await t.rejects(auth.authenticate(withToken(short.token)), UnauthorizedError, 'readable again: back to 401 for the expired token');
});

t.test('converge token create/list/revoke against a running server', async (t) => {
  const dataDir = join(dir, 'data');
  const serve = await spawnServe(['--api-only', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  t.teardown(() => serve.stop());
  const path = `${serve.url}/apis/converge.io/v1alpha1/namespaces/default/instances`;
  const as = (token: string) => serverFetch(path, { as: { ...serve.credentials, token } });

  const created = await runConverge(['token', 'create', '--data-dir', dataDir, '--user', 'ops', '--group', 'system:masters']);
  t.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  t.match(token, /^cvg_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/, 'printed once, on stdout alone');
  t.equal((await as(token)).status, 200, 'the running server accepts a token created after it started');

  const viewer = (await runConverge(['token', 'create', '--data-dir', dataDir, '--user', 'viewer', '--group', 'dev'])).stdout.trim();
  const denied = await as(viewer);
  t.equal(denied.status, 403, 'authenticated, not authorized');
  t.match(((await denied.json()) as { message: string }).message, /User "viewer" cannot list/);

  const list = await runConverge(['token', 'list', '--data-dir', dataDir]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /^ID\s+USER\s+GROUPS\s+EXPIRES/);
  t.match(list.stdout, /admin\s+system:masters\s+<never>\s+admin kubeconfig/);
  t.match(list.stdout, /ops\s+system:masters/);
  t.notOk(list.stdout.includes(token.split('.')[1] ?? 'x'), 'list never shows a secret');

  const id = parseToken(token)?.id ?? '';
  const revoked = await runConverge(['token', 'revoke', '--data-dir', dataDir, id]);
  t.equal(revoked.code, 0, revoked.stderr);
  t.equal((await as(token)).status, 401, 'revoked: 401 on the next request');
  t.equal((await runConverge(['token', 'revoke', '--data-dir', dataDir, id])).code, 1, 'unknown id');

  const brief = (await runConverge(['token', 'create', '--data-dir', dataDir, '--user', 'brief', '--group', 'system:masters', '--ttl', '1s'])).stdout.trim();
  t.equal((await as(brief)).status, 200);
  await new Promise((r) => setTimeout(r, 1100));
  t.equal((await as(brief)).status, 401, 'expired: 401');
  t.match((await runConverge(['token', 'list', '--data-dir', dataDir])).stdout, /brief\s+system:masters\s+\S+ \(expired\)/);

  t.equal((await runConverge(['token', 'create', '--data-dir', dataDir])).code, 2, '--user is required');
  t.equal((await serverFetch(path)).status, 200, 'the admin kubeconfig token still works');
});
