import t from 'tap';
import { instanceType } from '../../schemas/index.js';
import { ConflictError, InvalidError, NotFoundError } from '../../src/errors/index.js';
import {
  addFinalizerPatch,
  Finalizers,
  hasFinalizer,
  removeFinalizerPatch,
  withFinalizer,
  withoutFinalizer,
} from '../../src/runtime/finalizers.js';
import { instance, rejection } from '../client/fixtures.js';
import { openEnv } from './helpers.js';

const F = 'converge.io/external';

t.test('copies with a finalizer added or removed; the input is untouched; no-ops return the input', async (t) => {
  const obj = instance('vm', { finalizers: ['other'] });
  const added = withFinalizer(obj, F);
  t.same(added.metadata.finalizers, ['other', F]);
  t.same(obj.metadata.finalizers, ['other'], 'input untouched');
  t.equal(withFinalizer(added, F), added, 'adding twice is a no-op');
  t.same(withoutFinalizer(added, F).metadata.finalizers, ['other']);
  t.equal(withoutFinalizer(obj, F), obj, 'removing an absent one is a no-op');
  t.ok(hasFinalizer(added, F));
  t.equal(addFinalizerPatch(added, F), undefined);
  t.equal(removeFinalizerPatch(obj, F), undefined);
});

t.test('patches apply through the API and lose no concurrent finalizer', async (t) => {
  const env = await openEnv();
  t.teardown(() => env.close());
  const created = await env.client.create(instanceType, instance('vm'));
  const patch = addFinalizerPatch(created, F);
  t.ok(patch);
  const withF = await env.client.patch(instanceType, 'default', 'vm', patch!);
  t.same(withF.metadata.finalizers, [F]);
  // Someone else adds a finalizer; our patch computed from the stale copy must not silently drop it.
  await env.client.patch(instanceType, 'default', 'vm', addFinalizerPatch(withF, 'someone.else/x')!);
  t.type(await rejection(env.client.patch(instanceType, 'default', 'vm', removeFinalizerPatch(withF, F)!)), ConflictError);
  await env.client.delete(instanceType, 'default', 'vm');
  const terminating = await env.client.get(instanceType, 'default', 'vm');
  await env.client.patch(instanceType, 'default', 'vm', removeFinalizerPatch(terminating, F)!);
  const remaining = await env.client.get(instanceType, 'default', 'vm');
  t.same(remaining.metadata.finalizers, ['someone.else/x']);
  await env.client.patch(instanceType, 'default', 'vm', removeFinalizerPatch(remaining, 'someone.else/x')!);
  t.type(await rejection(env.client.get(instanceType, 'default', 'vm')), NotFoundError, 'removed with the last finalizer');
});

t.test('Finalizers: adds registered keys to live objects, runs them on deletion and keeps failed ones', async (t) => {
  const ran: string[] = [];
  const finalizers = new Finalizers();
  finalizers.register('converge.io/disk', async (o) => {
    ran.push(`disk ${o.metadata.name}`);
  });
  finalizers.register('converge.io/dns', async () => {
    ran.push('dns');
    throw new Error('dns API down');
  });
  t.throws(() => finalizers.register('converge.io/dns', async () => {}), InvalidError);
  const signal = new AbortController().signal;
  const live = await finalizers.finalize(instance('vm', { finalizers: ['foreign'] }), signal);
  t.ok(live.updated);
  t.same(live.object.metadata.finalizers, ['foreign', 'converge.io/disk', 'converge.io/dns']);
  t.same(ran, [], 'nothing runs on a live object');
  const again = await finalizers.finalize(live.object, signal);
  t.notOk(again.updated, 'already complete');
  const deleting = { ...live.object, metadata: { ...live.object.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
  const result = await finalizers.finalize(deleting, signal);
  t.same(ran, ['disk vm', 'dns'], 'every registered finalizer ran, even after a failure');
  t.same(result.object.metadata.finalizers, ['foreign', 'converge.io/dns'], 'only the successful one is removed');
  t.equal(result.errors.length, 1);
  t.match(String(result.errors[0]), /dns API down/);
});
