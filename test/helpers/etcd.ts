/**
 * Starts a real, throwaway etcd for tests: free loopback ports, a temporary data directory, killed and
 * removed on stop. Never skips: without the binary it throws, so the test fails loudly.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running etcd. */
export interface EtcdHandle {
  /** Store URL for `openBackend`, e.g. `etcd://127.0.0.1:40123`. Append `/prefix` for a key prefix. */
  readonly url: string;
  /** Client endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** Kills etcd (SIGTERM, then SIGKILL) and removes its data directory. */
  stop(): Promise<void>;
  /** Stops etcd and starts it again on the same ports and data (for reconnect tests). */
  restart(): Promise<void>;
}

/** The etcd binary on PATH (or /usr/bin, /usr/local/bin); throws naming the package when it is missing. */
export function findEtcd(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('etcd not found: install etcd-server (apt-get install etcd-server)');
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

interface Running {
  readonly exited: () => boolean;
  readonly exit: Promise<void>;
  readonly kill: (signal: NodeJS.Signals) => void;
  readonly stderr: () => string;
}

function launch(binary: string, dataDir: string, endpoint: string, peer: string): Running {
  const proc = spawn(
    binary,
    [
      '--name=test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  return { exited: () => exited, exit, kill: (signal) => proc.kill(signal), stderr: () => stderr };
}

async function terminate(running: Running): Promise<void> {
  if (running.exited()) return;
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
  await running.exit;
  clearTimeout(timer);
}

async function waitHealthy(endpoint: string, running: Running): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await healthy(endpoint))) {
    if (running.exited() || Date.now() > deadline) {
      await terminate(running);
      throw new Error(`etcd did not become healthy within 10 s at ${endpoint}: ${running.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts etcd and waits (at most 10 s) until it answers its health check. */
export async function startEtcd(): Promise<EtcdHandle> {
  const binary = findEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'converge-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let running = launch(binary, dataDir, endpoint, peer);
  try {
    await waitHealthy(endpoint, running);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `etcd://127.0.0.1:${clientPort}`,
    endpoint,
    async stop() {
      await terminate(running);
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await terminate(running);
      running = launch(binary, dataDir, endpoint, peer);
      await waitHealthy(endpoint, running);
    },
  };
}
