/**
 * Starts a real, throwaway etcd for tests: free loopback ports, a temporary data directory, killed and
 * removed on stop. Never skips: without the binary it throws, so the test fails loudly.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
}

function findEtcd(): string {
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts etcd and waits (at most 10 s) until it answers its health check. */
export async function startEtcd(): Promise<EtcdHandle> {
  const binary = findEtcd();
  const dataDir = mkdtempSync(join(tmpdir(), 'converge-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
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
  const stop = async (): Promise<void> => {
    if (!exited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (!(await healthy(endpoint))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy within 10 s at ${endpoint}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `etcd://127.0.0.1:${clientPort}`, endpoint, stop };
}
