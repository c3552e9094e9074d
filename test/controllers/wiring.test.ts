import { setMaxListeners } from 'node:events';
import t from 'tap';
import { providerConfigType, volumeType } from '../../schemas/index.js';
import { ensureDefaultProviderConfig, startControllers } from '../../controllers/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { SimClouds, SimKind } from '../../src/providers/sim/index.js';
import { openEnv } from '../runtime/helpers.js';
import { manifests, waitReady } from './helpers.js';

t.test('ensureDefaultProviderConfig creates the sim provider once and keeps an existing one', async (t) => {
  const env = await openEnv();
  t.teardown(() => env.close());
  const created = await ensureDefaultProviderConfig(env.client);
  t.match(created, { metadata: { name: 'default' }, spec: { driver: 'sim' } });
  const again = await ensureDefaultProviderConfig(env.client);
  t.equal(again.metadata.resourceVersion, created.metadata.resourceVersion, 'not rewritten');
  const list = await env.client.list(providerConfigType);
  t.equal(list.items.length, 1);
});

t.test('startControllers runs its own informers and the controllers until the signal aborts', async (t) => {
  const env = await openEnv();
  t.teardown(() => env.close());
  await ensureDefaultProviderConfig(env.client);
  const clouds = new SimClouds();
  const stop = new AbortController();
  setMaxListeners(100, stop.signal);
  const running = startControllers({ client: env.client, logger: silentLogger(), signal: stop.signal, clouds });
  await env.client.create(volumeType, manifests.volume('data'));
  const vol = await waitReady(env.client, volumeType, 'data');
  t.same(clouds.get('default').names(SimKind.Volume), [vol.status?.['externalName']]);
  stop.abort();
  await t.resolves(running, 'resolves once stopped');
});
