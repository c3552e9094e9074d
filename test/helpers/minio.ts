/**
 * Starts a real, throwaway MinIO (S3-compatible server) for tests: a free loopback port, a temporary data
 * directory, killed and removed on stop. Never skips: without the binary it throws with the install command,
 * so the test fails loudly. Root credentials come from MINIO_ROOT_USER / MINIO_ROOT_PASSWORD when set, else
 * fixed test values.
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, toolsDir } from './tools.js';

/** A running MinIO. */
export interface MinioHandle {
  /** S3 endpoint, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  readonly rootUser: string;
  readonly rootPassword: string;
  /** Kills MinIO (SIGTERM, then SIGKILL) and removes its data directory. */
  stop(): Promise<void>;
}

/** The MinIO binary test/setup/install-minio.sh builds, or an Error naming that command. */
export function minioBinary(): string {
  return requireTool('minio', [join(toolsDir, 'minio', 'minio')], 'run test/setup/install-minio.sh (builds MinIO from the Go module proxy)');
}

async function ready(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(500) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts MinIO and waits (at most 30 s) until `/minio/health/ready` answers. */
export async function startMinio(): Promise<MinioHandle> {
  const binary = minioBinary();
  const rootUser = process.env['MINIO_ROOT_USER'] ?? 'converge-test';
  const rootPassword = process.env['MINIO_ROOT_PASSWORD'] ?? 'converge-test-secret';
  const dataDir = mkdtempSync(join(tmpdir(), 'converge-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      MINIO_ROOT_USER: rootUser,
      MINIO_ROOT_PASSWORD: rootPassword,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      // Its own config and certs directory, so that tests never touch ~/.minio.
      HOME: dataDir,
    },
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await ready(endpoint))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`MinIO did not become ready within 30 s at ${endpoint}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint, rootUser, rootPassword, stop };
}

/** An SDK client with MinIO's root credentials, for out-of-band changes and checks; destroy it when done. */
export function minioAdminClient(minio: MinioHandle): S3Client {
  return new S3Client({
    endpoint: minio.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: minio.rootUser, secretAccessKey: minio.rootPassword },
  });
}

/** True when `bucket` exists (HeadBucket answers). */
export async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  }
}
