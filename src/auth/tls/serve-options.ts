/**
 * What `converge serve` needs to run secure by default: the HTTPS certificate (the cluster PKI, or the
 * operator's `--tls-cert/--tls-key`), the token file, the admin token of the kubeconfig and the security
 * factory; or, with `--insecure-http`, nothing at all — allowed only on a loopback address.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { InvalidError } from '../../errors/index.js';
import type { ConvergeServerOptions } from '../../server/converge-server.js';
import { readKubeconfigToken } from '../../server/kubeconfig.js';
import { serveSecurity } from '../security.js';
import { ensureAdminToken } from '../tokens/admin.js';
import { ensurePki, serverHosts } from './pki.js';

/** Options of {@link secureServeOptions} (from `converge serve`'s flags). */
export interface SecureServeFlags {
  readonly dataDir: string;
  /** The `--listen` host. */
  readonly listenHost: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** Default `<data-dir>/tokens.json`. */
  readonly tokenFile?: string;
  readonly insecureHttp?: boolean;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** The part of {@link ConvergeServerOptions} that security decides. */
export type SecureServeOptions = Pick<ConvergeServerOptions, 'tls' | 'kubeconfigCredentials' | 'security'>;

async function operatorCertificate(flags: SecureServeFlags): Promise<{ certPem: string; keyPem: string } | undefined> {
  if (flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) throw new InvalidError('--tls-cert and --tls-key must be given together');
  const certPem = await readFile(flags.tlsCert, 'utf8');
  const keyPem = await readFile(flags.tlsKey, 'utf8');
  return { certPem, keyPem };
}

/**
 * Prepares TLS, tokens and the security factory (see the module comment). Throws `InvalidError` for
 * `--insecure-http` on a non-loopback address and for half of `--tls-cert/--tls-key`.
 */
export async function secureServeOptions(flags: SecureServeFlags): Promise<SecureServeOptions> {
  if (flags.insecureHttp === true) {
    if (!isLoopback(flags.listenHost)) {
      throw new InvalidError(`--insecure-http serves the API without TLS or authentication and is only allowed on a loopback address (127.0.0.1, ::1, localhost), not "${flags.listenHost}"`);
    }
    if (flags.tlsCert !== undefined || flags.tlsKey !== undefined) throw new InvalidError('--insecure-http cannot be combined with --tls-cert/--tls-key');
    return {};
  }
  const dataDir = resolve(flags.dataDir);
  const operator = await operatorCertificate(flags);
  const pki = await ensurePki({ dataDir, hosts: serverHosts(flags.listenHost) });
  const tokenFile = resolve(flags.tokenFile ?? join(dataDir, 'tokens.json'));
  const token = await ensureAdminToken({ tokenFile, existing: await readKubeconfigToken(join(dataDir, 'kubeconfig.yaml')) });
  // An operator certificate from another CA is trusted through the system roots, so the kubeconfig names no CA.
  const trustOurCa = operator === undefined || new X509Certificate(operator.certPem).checkIssued(new X509Certificate(pki.ca.certPem));
  return {
    tls: { ...(operator ?? pki.server), clientCaPem: pki.ca.certPem },
    kubeconfigCredentials: { token, ...(trustOurCa ? { caPem: pki.ca.certPem } : {}) },
    security: serveSecurity({ tokenFile }),
  };
}
