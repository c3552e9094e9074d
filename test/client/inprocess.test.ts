import t from 'tap';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend } from '../../src/store/index.js';
import { runClientConformance, type ClientFixture } from './conformance.js';

const BOOKMARK_MS = 100;

async function makeClient(): Promise<ClientFixture> {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const client = createInProcessClient({ registry: createRegistryContext({ backend }), bookmarkIntervalMs: BOOKMARK_MS });
  return { client, backend, bookmarkIntervalMs: BOOKMARK_MS, close: () => backend.close() };
}

runClientConformance(t, makeClient);
