/**
 * What a libvirt ProviderConfig says: the connection URI (`spec.endpoint`, default `qemu:///system`) and the
 * driver options (`spec.options`, all strings), parsed once per connect with a clear error per bad option.
 */
import type { KubeObject } from '../../../schemas/object.js';
import { TerminalError } from '../../errors/index.js';

/** The URI used when the ProviderConfig names none: the local system libvirtd. */
export const DEFAULT_LIBVIRT_URI = 'qemu:///system';

/** How new libvirt networks reach the outside: NAT (libvirt's default), routed, or not at all. */
export const ForwardMode = { Nat: 'nat', Route: 'route', Isolated: 'isolated' } as const;
export type ForwardMode = (typeof ForwardMode)[keyof typeof ForwardMode];

/** Which hypervisor domains run on: KVM, QEMU's TCG emulation, or KVM when the host offers it. */
export const DomainType = { Auto: 'auto', Kvm: 'kvm', Qemu: 'qemu' } as const;
export type DomainType = (typeof DomainType)[keyof typeof DomainType];

/** Parsed libvirt settings of one ProviderConfig. */
export interface LibvirtSettings {
  readonly uri: string;
  readonly providerConfig: string;
  /** `options.forwardMode`: networks Converge creates. Default nat. */
  readonly forwardMode: ForwardMode;
  /** `options.domainType`. Default auto. */
  readonly domainType: DomainType;
  /** `options.imagePool`: the storage pool Instance images and root disks live in. Default "default". */
  readonly imagePool: string;
  /** `options.shutdownTimeoutSeconds`: how long a guest gets to power off before it is destroyed. Default 60. */
  readonly shutdownTimeoutMs: number;
}

function option<T extends string>(options: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T, pc: string): T {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TerminalError(`ProviderConfig "${pc}": spec.options.${name} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
}

/** Reads the settings of a libvirt ProviderConfig; a bad option is a TerminalError naming it. */
export function libvirtSettings(providerConfig: KubeObject): LibvirtSettings {
  const spec = providerConfig.spec ?? {};
  const pc = providerConfig.metadata.name;
  const raw = spec['options'];
  const options: Record<string, unknown> = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const endpoint = spec['endpoint'];
  const timeout = options['shutdownTimeoutSeconds'];
  const seconds = timeout === undefined ? 60 : Number(timeout);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
    throw new TerminalError(`ProviderConfig "${pc}": spec.options.shutdownTimeoutSeconds must be a whole number of seconds from 0 to 3600, got "${String(timeout)}"`);
  }
  const imagePool = options['imagePool'];
  return {
    uri: typeof endpoint === 'string' && endpoint !== '' ? endpoint : DEFAULT_LIBVIRT_URI,
    providerConfig: pc,
    forwardMode: option(options, 'forwardMode', Object.values(ForwardMode), ForwardMode.Nat, pc),
    domainType: option(options, 'domainType', Object.values(DomainType), DomainType.Auto, pc),
    imagePool: typeof imagePool === 'string' && imagePool !== '' ? imagePool : 'default',
    shutdownTimeoutMs: seconds * 1000,
  };
}
