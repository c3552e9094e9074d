/**
 * A real libvirtd for tests (started by test/setup/install-libvirt.sh): a throwaway `dir` storage pool in a
 * temporary directory with a small qcow2 base image made by the real `qemu-img`, and a cleanup that removes
 * the domains and networks the test made in it (not those of test files running alongside), then the pool.
 * DHCP reservations and dnsmasq's hostsfile of a network can be read back. Never skips: when libvirtd is not
 * reachable it throws with the setup command, so the test fails loudly.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The URI the tests drive. */
export const LIBVIRT_URI = 'qemu:///system';

/** Runs `virsh -c qemu:///system ARGS` and returns stdout. */
export async function virsh(...args: string[]): Promise<string> {
  const { stdout } = await run('virsh', ['--connect', LIBVIRT_URI, '--quiet', ...args], { env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

/** A test's slice of libvirt. */
export interface LibvirtSandbox {
  /** Storage pool name (a `dir` pool under a temporary directory). */
  readonly pool: string;
  readonly dir: string;
  /** Name of a 64 MiB qcow2 base image volume in the pool. */
  readonly baseImage: string;
  /** A fresh /24 on each call, unused on this host, e.g. 10.213.47.0/24. */
  nextCidr(): string;
  /**
   * Removes the domains (those with a disk in the pool) and networks (those on a prefix {@link nextCidr} handed
   * out) made since the sandbox was created, then the pool and its directory. Other test files' sandboxes,
   * running at the same time, keep theirs.
   */
  cleanup(): Promise<void>;
}

const names = async (...args: string[]) => (await virsh(...args)).split('\n').map((l) => l.trim()).filter((l) => l !== '');

/** Checks libvirtd answers and makes a sandbox. */
export async function libvirtSandbox(): Promise<LibvirtSandbox> {
  try {
    await virsh('version');
  } catch (err) {
    throw new Error(`libvirtd is not reachable at ${LIBVIRT_URI} (${(err as Error).message.split('\n')[0] ?? ''}): run test/setup/install-libvirt.sh as root`);
  }
  const domainsBefore = new Set(await names('list', '--all', '--name'));
  const networksBefore = new Set(await names('net-list', '--all', '--name'));
  const dir = mkdtempSync(join(tmpdir(), 'converge-libvirt-'));
  // QEMU runs as libvirt-qemu and must reach the images in it.
  chmodSync(dir, 0o755);
  const pool = `cvt-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  await virsh('pool-define-as', pool, 'dir', '--target', dir);
  await virsh('pool-start', pool);
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'base.qcow2'), '64M']);
  await virsh('pool-refresh', pool);
  const second = 200 + Math.floor(Math.random() * 50);
  let third = Math.floor(Math.random() * 200);
  const handedOut = new Set<string>();
  // Test files run in parallel, each with its own sandbox: only what is this sandbox's goes, never another's.
  const isOurDomain = async (domain: string) => (await virsh('dumpxml', '--inactive', domain).catch(() => '')).includes(`pool='${pool}'`);
  const isOurNetwork = async (network: string) => {
    const gateway = /<ip [^>]*address='(\d+\.\d+\.\d+)\.\d+'/.exec(await virsh('net-dumpxml', '--inactive', network).catch(() => ''))?.[1];
    return gateway !== undefined && handedOut.has(gateway);
  };
  return {
    pool,
    dir,
    baseImage: 'base.qcow2',
    nextCidr: () => {
      const prefix = `10.${second}.${third++}`;
      handedOut.add(prefix);
      return `${prefix}.0/24`;
    },
    async cleanup() {
      for (const domain of await names('list', '--all', '--name')) {
        if (domainsBefore.has(domain) || !(await isOurDomain(domain))) continue;
        await virsh('destroy', domain).catch(() => undefined);
        await virsh('undefine', domain).catch(() => undefined);
      }
      for (const network of await names('net-list', '--all', '--name')) {
        if (networksBefore.has(network) || !(await isOurNetwork(network))) continue;
        await virsh('net-destroy', network).catch(() => undefined);
        await virsh('net-undefine', network).catch(() => undefined);
      }
      await virsh('pool-destroy', pool).catch(() => undefined);
      await virsh('pool-undefine', pool).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One `<host>` DHCP reservation of a libvirt network. */
export interface DhcpHostEntry {
  readonly mac: string;
  readonly ip: string;
  readonly name?: string;
}

/** The DHCP reservations in `virsh net-dumpxml NETWORK` (the live definition), or with `inactive` the persistent one. */
export async function dhcpHostsOf(network: string, options: { inactive?: boolean } = {}): Promise<DhcpHostEntry[]> {
  const xml = await virsh('net-dumpxml', ...(options.inactive === true ? ['--inactive'] : []), network);
  return [...xml.matchAll(/<host ([^>]*)\/>/g)].map((m) => {
    const attrs = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)='([^']*)'/g)].map((a) => [a[1] ?? '', a[2] ?? '']));
    return { mac: attrs['mac'] ?? '', ip: attrs['ip'] ?? '', ...(attrs['name'] !== undefined ? { name: attrs['name'] } : {}) };
  });
}

/**
 * The `mac,ip,name` lines of the hostsfile libvirt writes for the network's dnsmasq
 * (`/var/lib/libvirt/dnsmasq/NETWORK.hostsfile`): what dnsmasq really hands out. Empty when there is none.
 */
export function dnsmasqHostLines(network: string): string[] {
  const file = `/var/lib/libvirt/dnsmasq/${network}.hostsfile`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
}
