/**
 * Changes a running guest only sees at its next boot, on the host's real libvirtd. Under the default
 * `updateStrategy: InPlace` a vcpus/memory change of a running Instance redefines the domain and leaves the
 * guest running; the condition RestartRequired=True (PendingConfigChange) lists the pending fields until the
 * guest has been restarted (here: `virsh destroy`, after which the controller starts it under runStrategy
 * Always). Under `updateStrategy: Restart` the controller restarts the guest itself and it runs with the new
 * vcpus (`virsh vcpucount --live`). Guests are 64 MiB KVM domains without an OS, two at most.
 */
import t from 'tap';
import { instanceType, providerConfigType } from '../../schemas/index.js';
import type { KubeObject } from '../../schemas/object.js';
import { libvirtSandbox, LIBVIRT_URI, virsh, type LibvirtSandbox } from '../helpers/libvirt.js';
import { conditionOf, eventually, getOrUndefined, manifests, startEnv, waitReady, type ManagedEnv } from './helpers.js';

const sandbox: LibvirtSandbox = await libvirtSandbox();
t.teardown(() => sandbox.cleanup());

async function withLibvirtProvider(env: ManagedEnv): Promise<void> {
  await env.client.create(providerConfigType, {
    apiVersion: 'converge.io/v1alpha1',
    kind: 'ProviderConfig',
    metadata: { name: 'kvm' },
    spec: { driver: 'libvirt', endpoint: LIBVIRT_URI, options: { imagePool: sandbox.pool, shutdownTimeoutSeconds: '0', forwardMode: 'isolated' } },
  });
}

function instance(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return manifests.instance(name, { providerRef: { name: 'kvm' }, vcpus: 1, memoryMiB: 64, image: sandbox.baseImage, pollInterval: '1s', ...spec });
}

/** `virsh vcpucount DOMAIN --live --current`: the vCPUs the running guest has. */
const liveVcpus = async (domain: string) => Number((await virsh('vcpucount', domain, '--live', '--current')).trim());
const domstate = async (domain: string) => (await virsh('domstate', domain)).trim();

async function resize(env: ManagedEnv, name: string): Promise<void> {
  await env.client.patch(instanceType, 'default', name, { type: 'merge', body: { spec: { vcpus: 2, memoryMiB: 96 } } });
}

t.test('InPlace: RestartRequired lists the pending fields of a running guest until it has been restarted', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  await env.client.create(instanceType, instance('steady'));
  const vm = await waitReady(env.client, instanceType, 'steady');
  const domain = String(vm.status?.['externalName']);
  t.match(conditionOf(vm, 'RestartRequired'), { status: 'False', reason: 'NoPendingChange' }, 'nothing pending at first');

  await resize(env, 'steady');
  const pending = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'steady');
    return conditionOf(o, 'RestartRequired')?.status === 'True' ? o : undefined;
  }, 'RestartRequired=True', 20_000);
  t.match(conditionOf(pending, 'RestartRequired'), { reason: 'PendingConfigChange' });
  t.match(conditionOf(pending, 'RestartRequired')?.message, /^vcpus 1→2, memoryMiB 64→96 take effect at the next restart/);
  t.equal(await domstate(domain), 'running', 'the guest was not restarted');
  t.equal(await liveVcpus(domain), 1, 'and still runs with 1 vCPU');
  t.match(await virsh('dumpxml', '--inactive', domain), /<vcpu placement='static'>2<\/vcpu>/, 'its definition has 2');
  t.equal(conditionOf(pending, 'Synced')?.status, 'True', 'the change itself is applied');

  // Powered off out of band: the controller starts it (runStrategy Always) with the new definition.
  await virsh('destroy', domain);
  const restarted = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'steady');
    return conditionOf(o, 'RestartRequired')?.status === 'False' && (await domstate(domain)) === 'running' ? o : undefined;
  }, 'RestartRequired=False after the restart', 30_000);
  t.match(conditionOf(restarted, 'RestartRequired'), { status: 'False', reason: 'NoPendingChange' });
  t.equal(await liveVcpus(domain), 2, 'the guest now runs with 2 vCPUs');

  await env.client.delete(instanceType, 'default', 'steady');
  await eventually(async () => (await getOrUndefined(env.client, instanceType, 'default', 'steady')) === undefined, 'instance deleted', 30_000);
});

t.test('updateStrategy Restart: the controller restarts the guest and it runs with the new vcpus', async (t) => {
  const env = await startEnv();
  t.teardown(() => env.close());
  await withLibvirtProvider(env);
  await env.client.create(instanceType, instance('eager', { updateStrategy: 'Restart' }));
  const vm = await waitReady(env.client, instanceType, 'eager');
  const domain = String(vm.status?.['externalName']);
  const idBefore = (await virsh('domid', domain)).trim();
  t.equal(await liveVcpus(domain), 1);

  await resize(env, 'eager');
  // Polled while the guest goes down and up: vcpucount fails while it is off, and QEMU starts paused.
  await eventually(async () => (await liveVcpus(domain).catch(() => 0)) === 2 && (await domstate(domain)) === 'running', 'running with 2 vCPUs', 30_000);
  t.not((await virsh('domid', domain)).trim(), idBefore, 'it is a new QEMU process (restarted)');
  t.match(await virsh('dumpxml', domain), /<memory unit='KiB'>98304<\/memory>/, 'and 96 MiB in its live definition');
  const settled = await eventually(async () => {
    const o = await env.client.get(instanceType, 'default', 'eager');
    return o.status?.['observedGeneration'] === o.metadata.generation && conditionOf(o, 'Synced')?.status === 'True' ? o : undefined;
  }, 'synced');
  t.match(conditionOf(settled, 'RestartRequired'), { status: 'False', reason: 'NoPendingChange' });

  await env.client.delete(instanceType, 'default', 'eager');
  await eventually(async () => (await getOrUndefined(env.client, instanceType, 'default', 'eager')) === undefined, 'instance deleted', 30_000);
});
