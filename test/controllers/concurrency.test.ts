import t from 'tap';
import { bucketType, providerConfigType, volumeType } from '../../schemas/index.js';
import { manifests, startEnv, waitReady } from './helpers.js';

const provider = (name: string, maxConcurrent: number) => ({
  apiVersion: 'converge.io/v1alpha1',
  kind: 'ProviderConfig',
  metadata: { name },
  spec: { driver: 'sim', concurrency: { maxConcurrent }, options: { latencyMs: '15' } },
});

t.test('spec.concurrency.maxConcurrent bounds the calls in flight to one provider, across kinds', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  const { client, clouds } = env;
  await client.create(providerConfigType, provider('narrow', 1));
  await client.create(providerConfigType, provider('wide', 8));
  const names = ['a', 'b', 'c', 'd'];
  for (const p of ['narrow', 'wide']) {
    for (const n of names) {
      await client.create(bucketType, manifests.bucket(`${p}-${n}`, { providerRef: { name: p } }));
      await client.create(volumeType, manifests.volume(`${p}-${n}`, { providerRef: { name: p } }));
    }
  }
  for (const p of ['narrow', 'wide']) {
    for (const n of names) {
      await waitReady(client, bucketType, `${p}-${n}`);
      await waitReady(client, volumeType, `${p}-${n}`);
    }
  }
  t.equal(clouds.get('narrow').maxInFlight, 1, 'never more than one call at once');
  t.ok(clouds.get('wide').maxInFlight > 1, `wide provider ran calls in parallel (${clouds.get('wide').maxInFlight})`);
});
