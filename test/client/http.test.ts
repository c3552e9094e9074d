import t from 'tap';
import { KubeConfig } from '@kubernetes/client-node';
import { HttpApiClient } from '../../src/client/http.js';
import { startTestServer } from '../helpers/server.js';
import { runClientConformance, type ClientFixture } from './conformance.js';

const BOOKMARK_MS = 100;

/** The same conformance suite as the in-process client, over HTTP against a real Converge server. */
async function makeClient(): Promise<ClientFixture> {
  const server = await startTestServer({ storeUrl: 'memory://', limits: { bookmarkIntervalMs: BOOKMARK_MS } });
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'test', server: server.url, skipTLSVerify: false }, { name: 'test' });
  const client = new HttpApiClient(kc);
  return {
    client,
    backend: server.backend,
    bookmarkIntervalMs: BOOKMARK_MS,
    close: async () => {
      client.close();
      await server.stop();
    },
  };
}

runClientConformance(t, makeClient);
