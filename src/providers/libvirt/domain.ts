/**
 * Instances as libvirt domains: `ci-<uid digits>`, defined from {@link domainXml} with the Instance's vcpus,
 * memory, Volumes (in order, the first boots) and Networks, started or stopped by `runStrategy` and
 * autostarted with the host when it is Always. An Instance without Volumes boots from a copy-on-write root
 * disk `<name>-root` on `spec.image` in the ProviderConfig's image pool, deleted with it. Observe reads the
 * persistent definition and the power state, so `virsh setmaxmem --config`, `virsh setvcpus --config`, a
 * detached disk or NIC, and `virsh destroy` are drift. Changed definitions are redefined (the running guest
 * picks them up at its next boot, reported as RestartRequired from comparing the live and persistent XML, see
 * restart.ts; `spec.updateStrategy: Restart` restarts it instead); power is corrected at once. Each NIC with an
 * IPv4 address gets a DHCP reservation on its network (reservations.ts), made before the guest boots, checked
 * by observe like the rest, and removed with the domain.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { ConvergeError, ErrorCode } from '../../errors/index.js';
import { externalNameOf, type DiffEntry, type ExternalClient } from '../types.js';
import { domainXml, macFor, readDomainXml, type DomainConfig, type DomainDisk, type DomainShape } from './domain-xml.js';
import { resolveImage } from './images.js';
import { planReservations, syncReservations, wantedReservations } from './reservations.js';
import { pendingChanges, restartRequired, restartsForChanges } from './restart.js';
import type { LibvirtSettings } from './settings.js';
import { INPUT_FILE, type Virsh } from './virsh.js';
import { volumeXml } from './volume-xml.js';

/** External-name prefix of domains (the simulated driver's). */
export const LIBVIRT_INSTANCE_PREFIX = 'ci';

/** The libvirt objects an Instance's `spec.volumes` and `spec.networks` refer to, in spec order. */
export interface InstanceAttachments {
  readonly disks: readonly DomainDisk[];
  readonly networks: readonly string[];
}

/**
 * Finds the volumes and networks behind an Instance's references (their objects' external names). Rejects
 * (retryably) while one is missing or not created yet.
 */
export type AttachmentResolver = (obj: KubeObject, signal: AbortSignal) => Promise<InstanceAttachments>;

/** Power states `virsh domstate` reports, as Instance `status.powerState`. */
export function powerStateOf(domstate: string): 'Running' | 'Stopped' | 'Paused' | 'Crashed' | 'Unknown' {
  const state = domstate.trim();
  if (['running', 'idle', 'blocked', 'in shutdown'].includes(state)) return 'Running';
  if (state === 'shut off') return 'Stopped';
  if (state === 'paused' || state === 'pmsuspended') return 'Paused';
  if (state === 'crashed') return 'Crashed';
  return 'Unknown';
}

/** Diff paths that change the domain definition (the others are power, reservations and restarts). */
const DEFINITION_PATHS = new Set(['spec.vcpus', 'spec.memoryMiB', 'spec.volumes', 'spec.networks']);
const wantsRunning = (obj: KubeObject) => obj.spec?.['runStrategy'] !== 'Halted';
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** The Instance {@link ExternalClient} over one libvirt connection. */
export function libvirtInstanceClient(virsh: Virsh, settings: LibvirtSettings, resolve: AttachmentResolver): ExternalClient {
  let domainType: Promise<string> | undefined;
  let hostname: Promise<string> | undefined;
  const typeOfDomains = () => {
    if (settings.domainType !== 'auto') return Promise.resolve(settings.domainType);
    domainType ??= virsh.run(['capabilities']).then((caps) => (/<domain type=['"]kvm['"]/.test(caps) ? 'kvm' : 'qemu'));
    return domainType;
  };
  const hostId = () => {
    hostname ??= virsh.run(['hostname']).then((h) => h.trim(), () => '');
    return hostname;
  };
  const rootDisk = (name: string): DomainDisk => ({ pool: settings.imagePool, volume: `${name}-root`, format: 'qcow2' });

  const shapeOf = async (obj: KubeObject, signal: AbortSignal, uuid?: string): Promise<DomainShape> => {
    const name = externalNameOf(obj, LIBVIRT_INSTANCE_PREFIX);
    const attachments = await resolve(obj, signal);
    const uid = obj.metadata.uid ?? obj.metadata.name;
    return {
      name,
      type: await typeOfDomains(),
      vcpus: Number(obj.spec?.['vcpus'] ?? 1),
      memoryMiB: Number(obj.spec?.['memoryMiB'] ?? 64),
      disks: attachments.disks.length > 0 ? attachments.disks : [rootDisk(name)],
      networks: attachments.networks,
      macs: attachments.networks.map((_, i) => macFor(uid, i)),
      image: String(obj.spec?.['image'] ?? ''),
      ref: `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
      ...(uuid !== undefined ? { uuid } : {}),
    };
  };
  const readConfig = async (name: string, signal: AbortSignal): Promise<DomainConfig | undefined> => {
    const xml = await virsh.runIfExists(['dumpxml', '--inactive', name], { signal });
    return xml === undefined ? undefined : readDomainXml(xml);
  };
  const powerOf = async (name: string, signal: AbortSignal) => powerStateOf(await virsh.run(['domstate', name], { signal }));

  const addresses = async (obj: KubeObject, name: string, signal: AbortSignal): Promise<string[]> => {
    const fixed = (Array.isArray(obj.spec?.['networks']) ? obj.spec['networks'] : []).flatMap((n) =>
      n !== null && typeof n === 'object' && !Array.isArray(n) && typeof n['address'] === 'string' ? [n['address']] : [],
    );
    const leases = await virsh.run(['domifaddr', name, '--source', 'lease'], { signal }).catch(() => '');
    const leased = [...leases.matchAll(/\s(?:ipv4|ipv6)\s+([0-9a-fA-F.:]+)\/\d+/g)].map((m) => m[1] ?? '');
    return [...new Set([...fixed, ...leased.filter((a) => a !== '')])];
  };

  /** ACPI shutdown for up to the ProviderConfig's timeout, then power off. */
  const powerOff = async (name: string, power: string, signal: AbortSignal) => {
    if (settings.shutdownTimeoutMs > 0 && power === 'Running') {
      await virsh.run(['shutdown', name], { signal });
      const deadline = Date.now() + settings.shutdownTimeoutMs;
      while (Date.now() < deadline && !signal.aborted) {
        if ((await powerOf(name, signal)) === 'Stopped') return;
        await sleep(1000, signal);
      }
    }
    await virsh.runIfExists(['destroy', name], { signal }).catch((err: unknown) => {
      if (!(err instanceof ConvergeError && /not running/.test(err.message))) throw err;
    });
  };
  const setPower = async (obj: KubeObject, name: string, signal: AbortSignal) => {
    const power = await powerOf(name, signal);
    if (wantsRunning(obj)) {
      if (power === 'Paused') await virsh.run(['resume', name], { signal });
      else if (power !== 'Running') await virsh.run(['start', name], { signal });
      return;
    }
    if (power !== 'Stopped') await powerOff(name, power, signal);
  };
  /** Changes the running guest has not picked up: none while it is off (it boots with the persistent definition). */
  const pendingOf = async (name: string, config: DomainConfig, power: string, signal: AbortSignal): Promise<string[]> => {
    if (power === 'Stopped') return [];
    const live = await virsh.runIfExists(['dumpxml', name], { signal });
    return live === undefined ? [] : pendingChanges(readDomainXml(live), config);
  };

  return {
    async observe(obj, signal) {
      const name = externalNameOf(obj, LIBVIRT_INSTANCE_PREFIX);
      const config = await readConfig(name, signal);
      if (config === undefined) return { exists: false, upToDate: false, diff: [] };
      const power = await powerOf(name, signal);
      const diff: DiffEntry[] = [];
      const want = { vcpus: Number(obj.spec?.['vcpus']), memoryMiB: Number(obj.spec?.['memoryMiB']) };
      if (config.vcpus !== want.vcpus) diff.push({ path: 'spec.vcpus', desired: want.vcpus, observed: config.vcpus });
      if (config.memoryMiB !== want.memoryMiB) diff.push({ path: 'spec.memoryMiB', desired: want.memoryMiB, observed: config.memoryMiB });
      if (obj.metadata.deletionTimestamp === undefined) {
        const shape = await shapeOf(obj, signal);
        const disks = shape.disks.map((d) => `${d.pool}/${d.volume}`);
        if (!sameList(disks, config.disks)) diff.push({ path: 'spec.volumes', desired: disks, observed: config.disks });
        if (!sameList(shape.networks, config.networks)) diff.push({ path: 'spec.networks', desired: shape.networks, observed: config.networks });
        const wanted = wantedReservations(obj, shape.networks, name);
        if (wanted.length > 0) diff.push(...(await planReservations(virsh, { obj, wanted, alsoOn: config.networks, signal })).diff);
      }
      const desiredPower = wantsRunning(obj) ? 'Running' : 'Stopped';
      if (power !== desiredPower) diff.push({ path: 'spec.runStrategy', desired: desiredPower, observed: power });
      const pending = await pendingOf(name, config, power, signal);
      // Under Restart a pending change is work left to do (a restart that failed is retried), not just news.
      if (pending.length > 0 && restartsForChanges(obj) && wantsRunning(obj)) diff.push({ path: 'spec.updateStrategy', desired: 'Restart', observed: `running with the previous ${pending.join(', ')}` });
      const observed = {
        powerState: power,
        phase: power === 'Running' ? 'Running' : power === 'Stopped' ? 'Stopped' : power === 'Crashed' ? 'Failed' : 'Unknown',
        hostId: await hostId(),
        addresses: power === 'Running' ? await addresses(obj, name, signal) : [],
      };
      return { exists: true, upToDate: diff.length === 0, diff, observed, conditions: [restartRequired(pending)] };
    },
    async create(obj, signal) {
      const shape = await shapeOf(obj, signal);
      if ((await readConfig(shape.name, signal)) === undefined) {
        const root = shape.disks[0];
        if (root !== undefined && root.volume === `${shape.name}-root`) {
          const exists = await virsh.runIfExists(['vol-info', '--pool', root.pool, root.volume], { signal });
          if (exists === undefined) {
            const base = await resolveImage(virsh, shape.image, settings.imagePool, signal);
            await virsh.run(['vol-create', root.pool, INPUT_FILE], { signal, input: volumeXml(root.volume, base.capacityBytes, 'qcow2', base) });
          }
        }
        await virsh.run(['define', INPUT_FILE], { signal, input: domainXml(shape) });
      }
      // Reserved before the guest boots, so that its first DHCP request already gets the address.
      const conflict = await syncReservations(virsh, { obj, wanted: wantedReservations(obj, shape.networks, shape.name), signal });
      await virsh.run(['autostart', ...(wantsRunning(obj) ? [] : ['--disable']), shape.name], { signal });
      await setPower(obj, shape.name, signal);
      if (conflict !== undefined) throw conflict;
      return { externalName: shape.name };
    },
    async update(obj, diff, signal) {
      const name = externalNameOf(obj, LIBVIRT_INSTANCE_PREFIX);
      const config = await readConfig(name, signal);
      if (config === undefined) return; // gone meanwhile: the next observe reports it
      const shape = await shapeOf(obj, signal, config.uuid);
      if (diff.some((d) => DEFINITION_PATHS.has(d.path))) await virsh.run(['define', INPUT_FILE], { signal, input: domainXml(shape) });
      const conflict = await syncReservations(virsh, { obj, wanted: wantedReservations(obj, shape.networks, name), alsoOn: config.networks, signal });
      await virsh.run(['autostart', ...(wantsRunning(obj) ? [] : ['--disable']), name], { signal });
      if (restartsForChanges(obj) && wantsRunning(obj)) {
        const power = await powerOf(name, signal);
        const next = await readConfig(name, signal);
        if (next !== undefined && (await pendingOf(name, next, power, signal)).length > 0) await powerOff(name, power, signal);
      }
      await setPower(obj, name, signal);
      if (conflict !== undefined) throw conflict;
    },
    async delete(obj, signal) {
      const name = externalNameOf(obj, LIBVIRT_INSTANCE_PREFIX);
      const config = await readConfig(name, signal);
      if (config !== undefined) {
        if ((await powerOf(name, signal)) !== 'Stopped') await virsh.runIfExists(['destroy', name], { signal });
        await virsh.runIfExists(['undefine', '--managed-save', '--snapshots-metadata', name], { signal });
      }
      // The reservations go with the guest; a retried delete finds the domain gone and looks the networks up.
      const networks = config?.networks ?? (await resolve(obj, signal).then((a) => a.networks, () => []));
      await syncReservations(virsh, { obj, wanted: [], alsoOn: networks, signal });
      const root = rootDisk(name);
      await virsh.runIfExists(['vol-delete', '--pool', root.pool, root.volume], { signal }).catch((err: unknown) => {
        // No image pool means no root disk was ever made there.
        if (!(err instanceof ConvergeError && err.code === ErrorCode.Unavailable && /storage pool/.test(err.message))) throw err;
      });
    },
  };
}
