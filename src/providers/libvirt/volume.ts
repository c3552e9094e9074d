/**
 * Volumes as libvirt storage volumes: `cv-<uid digits>` in `spec.storagePool`, qcow2 overlays on a base image
 * (`spec.source`) or empty thin/raw disks, grown with `vol-resize`. Observe reads `vol-dumpxml`, so a volume
 * resized or deleted out of band (`virsh vol-resize`, `virsh vol-delete`) is drift. A volume never shrinks,
 * and its format and base image cannot change in place: such drift is reported with what to do.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { TerminalError } from '../../errors/index.js';
import { externalNameOf, type DiffEntry, type ExternalClient, type Observation } from '../types.js';
import { resolveImage } from './images.js';
import type { LibvirtSettings } from './settings.js';
import { INPUT_FILE, type Virsh } from './virsh.js';
import { readVolumeXml, volumeXml, type VolumeInfo } from './volume-xml.js';

/** External-name prefix of volumes (the simulated driver's). */
export const LIBVIRT_VOLUME_PREFIX = 'cv';
const GIB = 1024 ** 3;

interface VolumeTarget {
  readonly name: string;
  readonly pool: string;
  readonly sizeGiB: number;
  readonly format: string;
  readonly source?: string;
}

function targetOf(obj: KubeObject): VolumeTarget {
  const spec = obj.spec ?? {};
  const source = spec['source'];
  return {
    name: externalNameOf(obj, LIBVIRT_VOLUME_PREFIX),
    pool: typeof spec['storagePool'] === 'string' ? spec['storagePool'] : 'default',
    sizeGiB: typeof spec['sizeGiB'] === 'number' ? spec['sizeGiB'] : 1,
    format: spec['format'] === 'raw' ? 'raw' : 'qcow2',
    ...(typeof source === 'string' ? { source } : {}),
  };
}

/**
 * Grows a volume: `vol-resize` when no guest has it open; a running guest holds QEMU's write lock on its disks,
 * so then the guest's QEMU grows it (`blockresize`, which also tells the guest). Finding that guest means
 * asking each running domain, which fail at once for a disk they do not have.
 */
async function resize(virsh: Virsh, t: VolumeTarget, signal: AbortSignal): Promise<void> {
  const bytes = String(t.sizeGiB * GIB);
  try {
    await virsh.run(['vol-resize', '--pool', t.pool, t.name, bytes], { signal });
    return;
  } catch (err) {
    if (!(err instanceof Error && /write" lock|another process/.test(err.message))) throw err;
  }
  const path = (await virsh.run(['vol-path', '--pool', t.pool, t.name], { signal })).trim();
  for (const domain of (await virsh.run(['list', '--state-running', '--name'], { signal })).split('\n').map((l) => l.trim()).filter(Boolean)) {
    try {
      await virsh.run(['blockresize', domain, path, `${bytes}B`], { signal });
      return;
    } catch {
      // not this domain's disk
    }
  }
  throw new TerminalError(`volume ${t.name} in pool '${t.pool}' is locked by a process other than a running libvirt guest: stop it to resize the volume`);
}

/** The Volume {@link ExternalClient} over one libvirt connection. */
export function libvirtVolumeClient(virsh: Virsh, _settings: LibvirtSettings): ExternalClient {
  const read = async (t: VolumeTarget, signal: AbortSignal): Promise<VolumeInfo | undefined> => {
    const xml = await virsh.runIfExists(['vol-dumpxml', '--pool', t.pool, t.name], { signal });
    return xml === undefined ? undefined : readVolumeXml(xml);
  };
  const diffOf = async (t: VolumeTarget, info: VolumeInfo, signal: AbortSignal): Promise<DiffEntry[]> => {
    const diff: DiffEntry[] = [];
    if (info.capacityBytes !== t.sizeGiB * GIB) diff.push({ path: 'spec.sizeGiB', desired: t.sizeGiB, observed: Math.round((info.capacityBytes / GIB) * 1000) / 1000 });
    if (info.format !== t.format) diff.push({ path: 'spec.format', desired: t.format, observed: info.format });
    if (t.source !== undefined && t.format === 'qcow2') {
      const base = await resolveImage(virsh, t.source, t.pool, signal);
      if (info.backingPath !== base.path) diff.push({ path: 'spec.source', desired: base.path, ...(info.backingPath ? { observed: info.backingPath } : {}) });
    }
    return diff;
  };
  return {
    async observe(obj, signal): Promise<Observation<Record<string, unknown>>> {
      const t = targetOf(obj);
      const info = await read(t, signal);
      if (info === undefined) return { exists: false, upToDate: false, diff: [] };
      const diff = await diffOf(t, info, signal);
      return { exists: true, upToDate: diff.length === 0, diff, observed: { path: info.path, capacityBytes: info.capacityBytes, allocationBytes: info.allocationBytes } };
    },
    async create(obj, signal) {
      const t = targetOf(obj);
      // Adopt: a create retried after a lost answer finds the volume the first attempt made.
      if ((await read(t, signal)) !== undefined) return { externalName: t.name };
      const base = t.source === undefined ? undefined : await resolveImage(virsh, t.source, t.pool, signal);
      if (base !== undefined && t.format === 'raw') {
        // A raw volume cannot be an overlay: copy the base, then grow the copy to the requested size.
        await virsh.run(['vol-create-from', '--pool', t.pool, INPUT_FILE, '--inputpool', base.pool, base.volume], {
          signal,
          input: volumeXml(t.name, t.sizeGiB * GIB, t.format),
        });
      } else {
        await virsh.run(['vol-create', t.pool, INPUT_FILE], { signal, input: volumeXml(t.name, t.sizeGiB * GIB, t.format, base) });
      }
      return { externalName: t.name };
    },
    async update(obj, diff, signal) {
      const t = targetOf(obj);
      for (const d of diff) {
        if (d.path === 'spec.sizeGiB') {
          const observed = typeof d.observed === 'number' ? d.observed : 0;
          if (observed > t.sizeGiB) {
            throw new TerminalError(
              `volume ${t.name} in pool '${t.pool}' is ${observed} GiB, more than spec.sizeGiB ${t.sizeGiB}: volumes never shrink (data would be lost); set spec.sizeGiB to ${Math.ceil(observed)}`,
            );
          }
          await resize(virsh, t, signal);
        } else {
          throw new TerminalError(
            `${d.path} of volume ${t.name} in pool '${t.pool}' is ${JSON.stringify(d.observed ?? null)} on the host, not ${JSON.stringify(d.desired ?? null)}, and cannot change in place: delete the Volume to recreate it, or set driftPolicy Report`,
          );
        }
      }
    },
    async delete(obj, signal) {
      const t = targetOf(obj);
      await virsh.runIfExists(['vol-delete', '--pool', t.pool, t.name], { signal });
    },
  };
}
