/**
 * `converge sync --watch DIR` against a real server: applies what is there at start, applies on save,
 * prunes a removed file with --prune, refuses an invalid manifest (file:line, nothing applied or pruned), and
 * exits 0 on Ctrl-C. One-shot `converge sync DIR` exits 1 when a manifest is invalid.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { poolType } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { eventually, getOrUndefined } from '../controllers/helpers.js';
import { convergeArgv, repoRoot } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';
import { poolYaml } from './helpers.js';

const server = await startTestServer();
const client = createInProcessClient({ registry: server.registry });
const dir = mkdtempSync(join(tmpdir(), 'converge-sync-watch-'));
t.teardown(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const exists = async (name: string) => (await getOrUndefined(client, poolType, 'default', name)) !== undefined;

/** Runs `converge sync ...args` to completion. */
function runOnce(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, convergeArgv(['sync', ...args, '--server', server.url]), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

t.test('sync --watch applies on save, prunes, refuses invalid manifests, and exits 0 on Ctrl-C', async (t) => {
  writeFileSync(join(dir, 'a.yaml'), poolYaml('watch-a', '10.201.0.0/16'));
  const child = spawn(process.execPath, convergeArgv(['sync', '--watch', '--prune', '--max-prune-percent', '100', dir, '--server', server.url]), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await eventually(async () => /synced .*applied 1 objects: Pool\/default\/watch-a/.test(out), 'the initial sync line', 30_000);
  t.ok(await exists('watch-a'), 'the initial sync applied what is there');
  t.match(out, /watching /, 'says what it watches');

  writeFileSync(join(dir, 'b.yaml'), poolYaml('watch-b', '10.202.0.0/16'));
  await eventually(async () => exists('watch-b'), 'b applied on save', 10_000);
  t.pass('a new file is applied on save');

  unlinkSync(join(dir, 'a.yaml'));
  await eventually(async () => !(await exists('watch-a')), 'a pruned', 10_000);
  t.ok(await exists('watch-b'), 'b stays');

  const before = out.length;
  writeFileSync(join(dir, 'bad.yaml'), poolYaml('watch-bad', '10.203.0.5/24'));
  writeFileSync(join(dir, 'c.yaml'), poolYaml('watch-c', '10.204.0.0/16'));
  unlinkSync(join(dir, 'b.yaml'));
  await eventually(async () => /bad\.yaml:7: Pool\/watch-bad: spec\.cidrs\[0\]/.test(out.slice(before)), 'the error line', 10_000);
  t.match(out.slice(before), /not synced .*nothing applied or pruned/);
  t.notOk(await exists('watch-c'), 'nothing applied while a manifest is invalid');
  t.ok(await exists('watch-b'), 'nothing pruned while a manifest is invalid');

  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C exits 0');
});

t.test('one-shot sync exits 1 on an invalid manifest and applies nothing', async (t) => {
  const bad = mkdtempSync(join(tmpdir(), 'converge-sync-once-'));
  t.teardown(() => rmSync(bad, { recursive: true, force: true }));
  writeFileSync(join(bad, 'ok.yaml'), poolYaml('once-ok', '10.205.0.0/16'));
  writeFileSync(join(bad, 'z.yaml'), 'apiVersion: converge.io/v1alpha1\nkind: Pool\nmetadata:\n  name: once-bad\nspec:\n  cidrs: [nope]\n');
  const failed = await runOnce([bad]);
  t.equal(failed.code, 1);
  t.match(failed.out, /error: z\.yaml:6: Pool\/once-bad: spec\.cidrs\[0\]/);
  t.notOk(await exists('once-ok'));
  rmSync(join(bad, 'z.yaml'));
  const ok = await runOnce([bad]);
  t.equal(ok.code, 0, ok.out);
  t.ok(await exists('once-ok'));
});
