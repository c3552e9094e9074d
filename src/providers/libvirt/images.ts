/**
 * Finds the base image a Volume's `spec.source` or an Instance's `spec.image` names, among libvirt's storage
 * volumes: `pool/volume`, a volume name in a default pool, or the absolute path of a volume in any pool.
 * libvirt needs the backing file's path and format for a copy-on-write overlay, and its pool and name for a
 * full copy; it cannot fetch URLs, so those are refused with what to do instead.
 */
import { TerminalError, isNotFound } from '../../errors/index.js';
import type { Virsh } from './virsh.js';
import { readVolumeXml } from './volume-xml.js';
import { at, parseXml, text } from './xml.js';

/** A base image found in a storage pool. */
export interface BaseImage {
  readonly pool: string;
  readonly volume: string;
  readonly path: string;
  /** qcow2, raw, … as libvirt detected it. */
  readonly format: string;
  /** Virtual size of the image. */
  readonly capacityBytes: number;
}

/** Resolves `source` (see the module comment); `defaultPool` is where a bare name is looked up. */
export async function resolveImage(virsh: Virsh, source: string, defaultPool: string, signal?: AbortSignal): Promise<BaseImage> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new TerminalError(
      `image "${source}" is a URL: the libvirt driver does not download images; upload it into a storage pool (virsh vol-create-as POOL NAME SIZE && virsh vol-upload --pool POOL NAME FILE) and name it as POOL/NAME`,
    );
  }
  const slash = source.startsWith('/') ? -1 : source.indexOf('/');
  const args = source.startsWith('/')
    ? ['vol-dumpxml', source]
    : slash > 0
      ? ['vol-dumpxml', '--pool', source.slice(0, slash), source.slice(slash + 1)]
      : ['vol-dumpxml', '--pool', defaultPool, source];
  const opts = signal ? { signal } : {};
  let xml: string;
  try {
    xml = await virsh.run(args, opts);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const where = source.startsWith('/') ? 'in any storage pool' : `in storage pool '${slash > 0 ? source.slice(0, slash) : defaultPool}'`;
    throw new TerminalError(`base image "${source}" not found ${where} on ${virsh.uri}: copy it into a pool directory and run virsh pool-refresh, or fix the name`);
  }
  const volume = at(parseXml(xml), 'volume');
  const path = text(at(volume, 'target', 'path')) ?? source;
  const pool = source.startsWith('/') ? (await virsh.run(['vol-pool', path], opts)).trim() : slash > 0 ? source.slice(0, slash) : defaultPool;
  const info = readVolumeXml(xml);
  return { pool, volume: text(at(volume, 'name')) ?? source, path: info.path || path, format: info.format, capacityBytes: info.capacityBytes };
}
