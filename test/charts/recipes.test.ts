// The deployment recipes besides the chart: the Dockerfile (no Docker here to build it, so its inputs and its
// command are checked instead) and the systemd unit (checked by systemd-analyze, its command run for real).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot, spawnServe } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { serverFetch } from '../helpers/secure-fetch.js';
import { requireTool } from '../helpers/tools.js';

const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

/** `converge serve` with `argv` (without the leading `serve`), listen and data dir made local; /livez answers. */
async function serves(t: Test, argv: readonly string[]): Promise<void> {
  t.equal(argv[0], 'serve', 'runs converge serve');
  const local = argv.slice(1);
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-recipe-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  for (const [flag, value] of [
    ['--listen', `127.0.0.1:${port}`],
    ['--data-dir', dataDir],
  ] as const) {
    const i = local.indexOf(flag);
    t.ok(i >= 0, `passes ${flag}`);
    if (i >= 0) local[i + 1] = value;
  }
  const server = await spawnServe(local);
  t.teardown(() => server.stop());
  const res = await serverFetch(`${server.url}/livez`, { signal: AbortSignal.timeout(5000) });
  t.equal(res.status, 200, '/livez answers');
}

/** The JSON array of a Dockerfile instruction (`ENTRYPOINT ["a","b"]`). */
function execForm(dockerfile: string, instruction: string): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${instruction} `));
  if (line === undefined) throw new Error(`Dockerfile has no ${instruction}`);
  return JSON.parse(line.slice(instruction.length + 1)) as string[];
}

/** Bare module specifiers imported by the code the image compiles (src, controllers, schemas). */
async function importedPackages(): Promise<Set<string>> {
  const out = new Set<string>();
  for (const dir of ['src', 'controllers', 'schemas']) {
    for (const entry of await readdir(join(repoRoot, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^'.][^']*)'/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return out;
}

t.test('Dockerfile: the build stage copies every source root the build compiles', async (t) => {
  const dockerfile = await read('Dockerfile');
  const build = JSON.parse(await read('tsconfig.build.json')) as { include?: string[] };
  const ignored = (await read('.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const root of [...(build.include ?? []), 'bin', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']) {
    t.match(dockerfile, new RegExp(`^COPY .*\\b${root.replace('.', '\\.')}\\b`, 'm'), `COPY ${root}`);
    t.notOk(ignored.includes(root), `.dockerignore keeps ${root}`);
  }
  t.match(dockerfile, /npm_config_nodedir/, 'better-sqlite3 builds against the image Node headers');
  t.match(dockerfile, /npm prune --omit=dev/);
  t.match(dockerfile, /^USER 10001:10001$/m, 'runs as the non-root user the chart expects (runAsUser 10001)');
  t.match(dockerfile, /^VOLUME \["\/var\/lib\/converge"\]$/m);
});

t.test('Dockerfile: what the image imports survives npm prune --omit=dev', async (t) => {
  const pkg = JSON.parse(await read('package.json')) as { dependencies?: Record<string, string> };
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const imported = await importedPackages();
  t.ok(imported.size > 5, 'found the imports');
  for (const name of imported) t.ok(deps.has(name), `${name} is a production dependency`);
});

t.test('Dockerfile: ENTRYPOINT and CMD run converge serve', async (t) => {
  const dockerfile = await read('Dockerfile');
  t.same(execForm(dockerfile, 'ENTRYPOINT'), ['node', 'bin/converge.js']);
  const cmd = execForm(dockerfile, 'CMD');
  t.same(cmd, ['serve', '--listen', '0.0.0.0:6443', '--data-dir', '/var/lib/converge']);
  await serves(t, cmd);
});

t.test('systemd unit: systemd-analyze verify accepts it and its ExecStart runs converge serve', async (t) => {
  const unit = await read('examples/systemd/converge.service');
  for (const setting of ['DynamicUser=yes', 'StateDirectory=converge', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'Restart=on-failure']) {
    t.match(unit, new RegExp(`^${setting}$`, 'm'), setting);
  }
  const execStart = /^ExecStart=(\S+) (.*)$/m.exec(unit);
  t.ok(execStart, 'has an ExecStart');
  const argv = (execStart?.[2] ?? '').split(/\s+/);
  t.equal(argv[argv.indexOf('--data-dir') + 1], '/var/lib/converge', 'data in the StateDirectory');

  // verify checks that ExecStart's binary exists; point it at one that does, in a copy.
  const analyze = requireTool('systemd-analyze', ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'], 'apt-get install systemd (test/setup/install-tools.sh)');
  const dir = await mkdtemp(join(tmpdir(), 'converge-unit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const copy = join(dir, 'converge.service');
  await writeFile(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
  const verify = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(analyze, ['verify', copy], (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), output: stdout + stderr }));
  });
  t.equal(verify.code, 0, `systemd-analyze verify: ${verify.output}`);
  t.equal(verify.output.trim(), '', 'no warnings');
  await serves(t, argv);
});
