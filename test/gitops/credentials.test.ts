/**
 * Private repositories over HTTPS-style Basic auth (a real `git http-backend`): the credentials Secret lets
 * the controller fetch; a wrong or missing one fails fast with a readable FetchFailed that never shows the
 * password.
 */
import { basename, dirname } from 'node:path';
import t from 'tap';
import { gitRepositoryType, poolType, secretType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { conditionOf, eventually, getOrUndefined, startEnv } from '../controllers/helpers.js';
import { createRepo, poolYaml } from './helpers.js';
import { startGitHttpServer } from './http-git.js';

const PASSWORD = 'pa ss:wörd-7f3a';
const env = await startEnv({ withDefaultProvider: false });
const repo = createRepo();
repo.write('pool.yaml', poolYaml('private-pool', '10.30.0.0/16'));
const sha = repo.commit('a pool');
const git = await startGitHttpServer(dirname(repo.dir), 'alice', PASSWORD);
t.teardown(async () => {
  await env.close();
  await git.close();
  repo.cleanup();
});
const url = `${git.url}/${basename(repo.dir)}`;

async function secret(name: string, data: Record<string, string>): Promise<void> {
  await env.client.create(secretType, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: data });
}

async function gitRepository(name: string, secretName?: string): Promise<void> {
  await env.client.create(gitRepositoryType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'GitRepository',
    metadata: { name, namespace: 'default' },
    spec: { url, interval: '1h', ...(secretName ? { secretRef: { name: secretName } } : {}) },
  });
}

function settled(name: string): Promise<KubeObject> {
  return eventually(async () => {
    const obj = await env.client.get(gitRepositoryType, 'default', name);
    return conditionOf(obj, 'Ready') !== undefined ? obj : undefined;
  }, `${name} to report Ready`, 20_000);
}

t.test('the username and password from the Secret fetch a private repository', async (t) => {
  await secret('git-creds', { username: 'alice', password: PASSWORD });
  await gitRepository('private', 'git-creds');
  const obj = await settled('private');
  t.equal(conditionOf(obj, 'Ready')?.status, 'True', conditionOf(obj, 'Ready')?.message ?? 'Ready');
  t.equal(obj.status?.['lastAppliedRevision'], sha);
  t.ok(await getOrUndefined(env.client, poolType, 'default', 'private-pool'), 'the pool was applied');
  t.ok(git.users.includes('alice'), 'the server saw alice authenticate');
});

t.test('a wrong or missing credential fails fast, readable, without the password', async (t) => {
  await secret('wrong-creds', { username: 'alice', password: 'not-the-password' });
  const cases: [string, string | undefined][] = [
    ['wrong', 'wrong-creds'],
    ['anonymous', undefined],
  ];
  for (const [name, secretName] of cases) {
    await gitRepository(name, secretName);
    const obj = await settled(name);
    const ready = conditionOf(obj, 'Ready');
    t.match(ready, { status: 'False', reason: 'FetchFailed', message: /git fetch failed/ }, `${name}: FetchFailed`);
    t.notMatch(ready?.message ?? '', /not-the-password|pa ss/, `${name}: no password in the message`);
    t.equal(conditionOf(obj, 'Synced')?.status, 'False');
  }
  await env.client.create(gitRepositoryType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'missing-secret', namespace: 'default' },
    spec: { url, interval: '1h', secretRef: { name: 'no-such-secret' } },
  });
  t.match(conditionOf(await settled('missing-secret'), 'Ready'), { status: 'False', reason: 'FetchFailed', message: /no-such-secret/ }, 'a missing Secret is named');
  await secret('no-such-secret', { username: 'alice', password: PASSWORD });
  const fixed = await eventually(async () => {
    const obj = await env.client.get(gitRepositoryType, 'default', 'missing-secret');
    return conditionOf(obj, 'Ready')?.status === 'True' ? obj : undefined;
  }, 'the sync once the Secret exists', 10_000);
  t.equal(fixed.status?.['lastAppliedRevision'], sha, 'creating the Secret lets the sync through');
});
