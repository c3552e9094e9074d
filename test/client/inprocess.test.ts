import t from 'tap';
import { instanceType } from '../../schemas/index.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import { ConvergeError, ErrorCode } from '../../src/errors/index.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend } from '../../src/store/index.js';
import { runClientConformance, type ClientFixture } from './conformance.js';
import { instance, rejection } from './fixtures.js';

const BOOKMARK_MS = 100;

async function makeClient(): Promise<ClientFixture> {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const client = createInProcessClient({ registry: createRegistryContext({ backend }), bookmarkIntervalMs: BOOKMARK_MS });
  return { client, backend, bookmarkIntervalMs: BOOKMARK_MS, close: () => backend.close() };
}

runClientConformance(t, makeClient);

t.test('server-side apply is refused until the SSA engine is wired', async (t) => {
  const { client, close } = await makeClient();
  t.teardown(close);
  await client.create(instanceType, instance('vm'));
  const err = await rejection(client.patch(instanceType, 'default', 'vm', { type: 'apply', body: instance('vm') }, { fieldManager: 'test' }));
  t.type(err, ConvergeError);
  t.equal((err as ConvergeError).code, ErrorCode.UnsupportedMediaType);
  t.match((err as ConvergeError).message, /server-side apply/);
});
