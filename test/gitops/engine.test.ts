/**
 * The GitOps engine's parts on their own: fetching exact revisions with the git CLI, rendering confined to the
 * checkout, the deletion budget, webhook signatures and push payloads, and credentials that reach git only
 * through its environment.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { gitRepositorySpec, type InventoryEntry } from '../../schemas/gitrepository.js';
import { resourceTypes } from '../../schemas/index.js';
import { credentialEnv } from '../../src/gitops/credentials.js';
import { fetchRevision, redactUrls } from '../../src/gitops/git.js';
import { planPrune } from '../../src/gitops/prune.js';
import { renderTree } from '../../src/gitops/render.js';
import { parsePush, pushConcerns, verifyDelivery } from '../../src/gitops/signature.js';
import { createRepo, poolYaml } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'converge-gitops-engine-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));

t.test('fetchRevision checks out exactly the branch, tag or commit asked for', async (t) => {
  const repo = createRepo();
  t.teardown(() => repo.cleanup());
  repo.write('a.yaml', poolYaml('a'));
  const first = repo.commit('first');
  repo.git('tag', 'v1');
  repo.write('b.yaml', poolYaml('b'));
  const second = repo.commit('second');
  repo.git('checkout', '-q', '-b', 'other');
  repo.write('c.yaml', poolYaml('c'));
  const third = repo.commit('third on other');
  repo.git('checkout', '-q', 'main');
  const cases: [string, Parameters<typeof fetchRevision>[0]['ref'], string, string[]][] = [
    ['default branch (HEAD)', {}, second, ['a.yaml', 'b.yaml']],
    ['branch', { branch: 'other' }, third, ['a.yaml', 'b.yaml', 'c.yaml']],
    ['tag', { tag: 'v1' }, first, ['a.yaml']],
    ['commit', { commit: first }, first, ['a.yaml']],
    ['back to a branch removes files of the previous checkout', { branch: 'main' }, second, ['a.yaml', 'b.yaml']],
  ];
  const dir = join(scratch, 'cache-1');
  for (const [name, ref, sha, files] of cases) {
    t.equal(await fetchRevision({ url: repo.url, ref, dir }), sha, `${name}: SHA`);
    for (const f of ['a.yaml', 'b.yaml', 'c.yaml']) t.equal(existsSync(join(dir, f)), files.includes(f), `${name}: ${f}`);
  }
  t.equal(await fetchRevision({ url: repo.dir, ref: {}, dir: join(scratch, 'cache-plain-path') }), second, 'a plain local path works too');
  await t.rejects(fetchRevision({ url: repo.url, ref: { branch: 'missing' }, dir }), /git fetch failed: .*missing/, 'a missing branch is one readable line');
  await t.rejects(fetchRevision({ url: '--upload-pack=touch /tmp/x', ref: {}, dir }), /must not start with "-"/, 'an option is never passed as the URL');
});

t.test('git errors never show URL credentials', async (t) => {
  t.equal(redactUrls('fatal: unable to access https://alice:s3cret@git.example/repo.git'), 'fatal: unable to access https://***@git.example/repo.git');
  const err = await fetchRevision({ url: 'http://bob:hunter2@127.0.0.1:1/repo.git', ref: {}, dir: join(scratch, 'cache-2') }).catch((e: unknown) => e);
  t.type(err, Error);
  t.notMatch((err as Error).message, /hunter2/);
});

t.test('credentials reach git through the environment and files, never argv', async (t) => {
  const env = await credentialEnv({ username: 'alice', password: 'p@ss word', identity: '-----BEGIN KEY-----\nabc\n-----END KEY-----', knownHosts: 'git.example ssh-ed25519 AAAA' });
  const askpass = env.env['GIT_ASKPASS'];
  t.ok(askpass, 'askpass script set');
  const ask = (prompt: string) => execFileSync(askpass!, [prompt], { env: { ...process.env, ...env.env }, encoding: 'utf8' }).trim();
  t.equal(ask("Username for 'https://git.example': "), 'alice');
  t.equal(ask("Password for 'https://alice@git.example': "), 'p@ss word');
  t.notMatch(readFileSync(askpass!, 'utf8'), /p@ss/, 'the script holds no secret');
  const ssh = env.env['GIT_SSH_COMMAND'] ?? '';
  t.notMatch(ssh, /BEGIN KEY/, 'the ssh command names a key file, not the key');
  const keyFile = /-i '([^']+)'/.exec(ssh)?.[1] ?? '';
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'key file readable only by the owner');
  t.match(ssh, /StrictHostKeyChecking=yes/);
  t.match(ssh, /UserKnownHostsFile=/);
  await env.cleanup();
  t.notOk(existsSync(keyFile), 'cleanup removes the files');
});

t.test('render: objects in order with file and line; symlinks inside the checkout are followed', async (t) => {
  const repo = createRepo();
  t.teardown(() => repo.cleanup());
  repo.write('apps/a.yaml', `${poolYaml('a')}---\n${poolYaml('b', '10.11.0.0/16')}`);
  repo.write('apps/nested/c.yml', poolYaml('c', '10.12.0.0/16'));
  repo.write('apps/.hidden/d.yaml', 'not: [valid');
  repo.write('apps/readme.md', '# not a manifest');
  repo.write('shared/s.yaml', poolYaml('s', '10.13.0.0/16'));
  repo.write('ignored-outside-path.yaml', 'not: [valid');
  repo.symlink('apps/shared.yaml', '../shared/s.yaml');
  const rendered = await renderTree({ root: repo.dir, path: 'apps', defaultNamespace: 'team', types: resourceTypes });
  t.same(rendered.errors, []);
  t.same(
    rendered.objects.map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}@${o.source}:${o.line}`).sort(),
    ['team/a@apps/a.yaml:1', 'team/b@apps/a.yaml:9', 'team/c@apps/nested/c.yml:1', 'team/s@apps/shared.yaml:1'],
  );
  const root = await renderTree({ root: repo.dir, path: '.', defaultNamespace: 'team', types: resourceTypes });
  t.match(root.errors, [{ file: 'ignored-outside-path.yaml', line: 1, message: /invalid YAML/ }], 'path "." renders the whole tree');
});

t.test('render refuses paths and symlinks that leave the checkout, naming them', async (t) => {
  const repo = createRepo();
  t.teardown(() => repo.cleanup());
  const outside = mkdtempSync(join(tmpdir(), 'converge-gitops-outside-'));
  t.teardown(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(join(outside, 'stolen.yaml'), poolYaml('stolen'));
  repo.write('ok/a.yaml', poolYaml('a'));
  repo.symlink('file-out/evil.yaml', join(outside, 'stolen.yaml'));
  repo.symlink('dir-out/evil', outside);
  repo.symlink('relative-out/evil.yaml', '../../outside.yaml');
  repo.symlink('whole-path-out', outside);
  const cases: [string, RegExp | string, RegExp][] = [
    ['..', '..', /must not contain "\.\."/],
    ['ok/../..', 'ok/../..', /must not contain "\.\."/],
    [outside, outside, /must be relative/],
    ['file-out', 'file-out/evil.yaml', /symlink points outside the repository/],
    ['dir-out', 'dir-out/evil', /symlink points outside the repository/],
    ['relative-out', 'relative-out/evil.yaml', /symlink target does not exist|outside/],
    ['whole-path-out', 'whole-path-out', /outside the repository/],
    ['missing', 'missing', /does not exist/],
  ];
  for (const [path, file, message] of cases) {
    const r = await renderTree({ root: repo.dir, path, defaultNamespace: 'default', types: resourceTypes });
    t.same(r.objects, [], `${path}: nothing rendered`);
    t.match(r.errors, [{ file, message }], `${path}: refused`);
  }
  t.match(gitRepositorySpec.safeParse({ url: 'file:///x', path: '../x' }), { success: false }, 'the API refuses a path with ..');
  t.match(gitRepositorySpec.safeParse({ url: 'file:///x', path: '/etc' }), { success: false }, 'and an absolute path');
  t.match(gitRepositorySpec.safeParse({ url: 'ext::sh -c touch% /tmp/pwned' }), { success: false }, 'and the ext:: transport');
  t.match(gitRepositorySpec.safeParse({ url: 'file:///x', ref: { branch: 'main', tag: 'v1' } }), { success: false }, 'and two refs at once');
});

t.test('deletion budget', async (t) => {
  const e = (name: string): InventoryEntry => ({ apiVersion: 'converge.io/v1alpha1', kind: 'Pool', namespace: 'default', name });
  const four = ['a', 'b', 'c', 'd'].map(e);
  const cases: [string, InventoryEntry[], number, boolean, number][] = [
    ['nothing left', four, 50, false, 0],
    ['1 of 4 (25%) within 50%', four.slice(1), 50, false, 1],
    ['2 of 4 (50%) within 50%', four.slice(2), 50, false, 2],
    ['3 of 4 (75%) over 50%', four.slice(3), 50, true, 3],
    ['3 of 4 with 100% (check off)', four.slice(3), 100, false, 3],
    ['1 of 4 with 0%', four.slice(1), 0, true, 1],
    ['renamed object: 1 of 1 (100%) over 50%', [e('z')], 50, true, 1],
  ];
  for (const [name, current, max, blocked, candidates] of cases) {
    const plan = planPrune({ previous: four.slice(0, name.startsWith('renamed') ? 1 : 4), current, maxPrunePercent: max });
    t.equal(plan.blocked, blocked, `${name}: blocked`);
    t.equal(plan.candidates.length, candidates, `${name}: candidates`);
    if (plan.blocked) t.match(plan.message, /exceeds maxPrunePercent/);
  }
});

t.test('webhook signatures', async (t) => {
  const body = Buffer.from('{"ref":"refs/heads/main","after":"abc"}');
  const sig = createHmac('sha256', 'tok').update(body).digest('hex');
  const cases: [string, Record<string, string>, { ok: boolean; missing?: boolean }][] = [
    ['GitHub/Gitea X-Hub-Signature-256', { 'x-hub-signature-256': `sha256=${sig}` }, { ok: true }],
    ['Gitea X-Gitea-Signature', { 'x-gitea-signature': sig }, { ok: true }],
    ['GitLab token', { 'x-gitlab-token': 'tok' }, { ok: true }],
    ['wrong HMAC', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, { ok: false, missing: false }],
    ['HMAC without prefix', { 'x-hub-signature-256': sig }, { ok: false, missing: false }],
    ['HMAC with another token', { 'x-gitea-signature': createHmac('sha256', 'other').update(body).digest('hex') }, { ok: false, missing: false }],
    ['wrong GitLab token', { 'x-gitlab-token': 'tok2' }, { ok: false, missing: false }],
    ['no signature', {}, { ok: false, missing: true }],
  ];
  for (const [name, headers, want] of cases) t.match(verifyDelivery(headers, body, 'tok'), want, name);
  t.same(parsePush({ ref: 'refs/heads/main', after: 'abc' }), { ref: 'refs/heads/main', after: 'abc' });
  t.same(parsePush({ ref: 'refs/heads/main', checkout_sha: 'def', object_kind: 'push' }), { ref: 'refs/heads/main', after: 'def' }, 'GitLab');
  t.same(parsePush({ zen: 'ping' }), {}, 'GitHub ping');
  t.equal(pushConcerns('refs/heads/main', { branch: 'main' }), true);
  t.equal(pushConcerns('refs/heads/dev', { branch: 'main' }), false);
  t.equal(pushConcerns('refs/tags/v1', { tag: 'v1' }), true);
  t.equal(pushConcerns('refs/heads/dev', {}), true, 'following HEAD: any push may matter');
});
