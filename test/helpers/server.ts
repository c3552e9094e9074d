import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/observability/logger.js';
import { startConvergeServer, type ConvergeServer, type ConvergeServerOptions } from '../../src/server/converge-server.js';
import type { ApiLimits } from '../../src/apiserver/deps.js';

/** A Converge server for one test, on a free loopback port with its own temporary data dir. */
export interface TestServer extends ConvergeServer {
  readonly dataDir: string;
  /** Closes the server and removes the data dir. */
  stop(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Store URL; default the embedded sqlite store in the temp dir. */
  readonly storeUrl?: string;
  readonly limits?: Partial<ApiLimits>;
  /** Run the controllers too (default false: API tests assert exact object states). */
  readonly controllers?: boolean;
  /** Authentication, limits, authorization and audit; default none (an open API). */
  readonly security?: ConvergeServerOptions['security'];
}

/** Starts an in-process Converge server (same code path as `converge serve`). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'converge-test-'));
  const server = await startConvergeServer({
    dataDir,
    ...(options.storeUrl ? { storeUrl: options.storeUrl } : {}),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    ...(options.limits ? { limits: options.limits } : {}),
    controllers: options.controllers ?? false,
    ...(options.security ? { security: options.security } : {}),
  });
  return {
    ...server,
    dataDir,
    stop: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
