/**
 * Turns a failed virsh call into a Converge error whose one-line message says what failed, where, and what to
 * do. The user reads it in the Synced condition, so it is libvirt's own sentence (the last `error:` line),
 * never a stack; the spawn error, if any, stays the `cause` for logs.
 */
import { ConvergeError, ErrorCode, NotFoundError, UnavailableError } from '../../errors/index.js';

/** What went wrong in one virsh call. */
export interface VirshFailure {
  readonly uri: string;
  readonly args: readonly string[];
  readonly stderr: string;
  readonly spawnError?: Error;
}

/** libvirt messages meaning the named domain, network or volume does not exist (safe to treat as "absent"). */
const MISSING_OBJECT = [
  /failed to get domain '/,
  /Domain not found/,
  /Network not found/,
  /failed to get network '/,
  /Storage volume not found/,
  /failed to get vol '/,
];
const MISSING_POOL = /Storage pool not found|failed to get pool '([^']*)'/;
const UNREACHABLE = /failed to connect to the hypervisor|unable to connect to server|Connection refused|Cannot recv data|End of file while reading data|Broken pipe|no connection driver available/;

/** libvirt's own explanation: the `error:` lines of stderr, most specific last, joined into one line. */
export function libvirtMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.replace(/^error:\s*/, ''));
  const unique = [...new Set(lines)];
  return unique.length === 0 ? 'virsh failed without a message' : unique.slice(-2).join(': ');
}

function poolName(failure: VirshFailure): string | undefined {
  const i = failure.args.indexOf('--pool');
  return i >= 0 ? failure.args[i + 1] : MISSING_POOL.exec(failure.stderr)?.[1];
}

/** The Converge error for a failed call; see the module comment. */
export function virshFailure(failure: VirshFailure): ConvergeError {
  const verb = failure.args[0] ?? 'virsh';
  if (failure.spawnError !== undefined) {
    const code = (failure.spawnError as Error & { code?: unknown }).code;
    const hint = code === 'ENOENT' ? 'virsh is not installed on this host: install libvirt-clients' : failure.spawnError.message;
    return new UnavailableError(`cannot run virsh ${verb} for ${failure.uri}: ${hint}`, { cause: failure.spawnError });
  }
  const message = libvirtMessage(failure.stderr);
  if (UNREACHABLE.test(failure.stderr)) {
    return new UnavailableError(`libvirt at ${failure.uri} is unreachable (${message}): check that libvirtd is running there and the ProviderConfig endpoint`);
  }
  if (MISSING_POOL.test(failure.stderr)) {
    const pool = poolName(failure) ?? '?';
    return new UnavailableError(`storage pool '${pool}' not found on ${failure.uri}: create it (virsh pool-define-as ${pool} dir --target DIR) or set spec.storagePool`);
  }
  if (MISSING_OBJECT.some((re) => re.test(failure.stderr))) return new NotFoundError(`${message} on ${failure.uri}`);
  return new ConvergeError(ErrorCode.Internal, `virsh ${verb} on ${failure.uri} failed: ${message}`);
}
