/**
 * The cluster PKI in `<data-dir>/pki/`, made on first start as k3s does: `ca.crt`/`ca.key` (the cluster CA,
 * which also verifies client certificates) and `server.crt`/`server.key` (the API's serving certificate).
 * Later starts reuse them; the server certificate is re-issued only when it no longer covers the names the
 * server is reached by, is not signed by the CA, or expires within 30 days. Keys are mode 0600.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createCa, issueCertificate, type KeyPair } from './certs.js';
import { writeFileAtomic } from './files.js';

/** Where the PKI files live inside a data directory. */
export function pkiPaths(dataDir: string) {
  const dir = join(dataDir, 'pki');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  } as const;
}

/** The loaded PKI. */
export interface Pki {
  readonly ca: KeyPair;
  readonly server: KeyPair;
  readonly paths: ReturnType<typeof pkiPaths>;
  /** True when this call created the CA (first start). */
  readonly createdCa: boolean;
  /** True when this call (re-)issued the server certificate. */
  readonly issuedServer: boolean;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * The names a server certificate must cover: localhost, 127.0.0.1, ::1, this machine's host name, and the
 * listen host when it is a specific name or address (a wildcard listen adds the machine's interface addresses).
 */
export function serverHosts(listenHost: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1', hostname()];
  if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '') {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (!a.internal) hosts.push(a.address.split('%')[0] ?? a.address);
    }
  }
  // Even a wildcard: the printed URL and the kubeconfig name the listen host as given.
  if (listenHost !== '') hosts.push(listenHost);
  return [...new Set(hosts.filter((h) => h !== ''))];
}

async function readPair(certPath: string, keyPath: string): Promise<KeyPair | undefined> {
  try {
    return { certPem: await readFile(certPath, 'utf8'), keyPem: await readFile(keyPath, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writePair(certPath: string, keyPath: string, pair: KeyPair): Promise<void> {
  // Key first: a crash between the two leaves a cert without its key, which the next start replaces.
  await writeFileAtomic(keyPath, pair.keyPem, 0o600);
  await writeFileAtomic(certPath, pair.certPem, 0o644);
}

/** True when `server` is signed by `ca`, covers every host and is not about to expire. */
export function serverCertUsable(server: KeyPair, ca: KeyPair, hosts: readonly string[], now: Date): boolean {
  try {
    const cert = new X509Certificate(server.certPem);
    const caCert = new X509Certificate(ca.certPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    if (Date.parse(cert.validTo) - now.getTime() < RENEW_BEFORE_MS) return false;
    return hosts.every((h) => (isIP(h) !== 0 ? cert.checkIP(h) !== undefined : cert.checkHost(h, { wildcards: false }) !== undefined));
  } catch {
    return false;
  }
}

/** Options of {@link ensurePki}. */
export interface EnsurePkiOptions {
  readonly dataDir: string;
  /** Names the server certificate must cover (see {@link serverHosts}). */
  readonly hosts: readonly string[];
  readonly now?: Date;
}

/** Loads the PKI of `dataDir`, creating or renewing what is missing or unusable (see the module comment). */
export async function ensurePki(options: EnsurePkiOptions): Promise<Pki> {
  const paths = pkiPaths(options.dataDir);
  const now = options.now ?? new Date();
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  let ca = await readPair(paths.caCert, paths.caKey);
  const createdCa = ca === undefined;
  if (ca === undefined) {
    ca = createCa({ commonName: `converge-ca@${Math.floor(now.getTime() / 1000)}`, now });
    await writePair(paths.caCert, paths.caKey, ca);
  }
  let server = await readPair(paths.serverCert, paths.serverKey);
  const issuedServer = server === undefined || !serverCertUsable(server, ca, options.hosts, now);
  if (server === undefined || issuedServer) {
    server = issueCertificate({ ca, commonName: 'converge-apiserver', usage: 'server', hosts: options.hosts, now });
    await writePair(paths.serverCert, paths.serverKey, server);
  }
  return { ca, server, paths, createdCa, issuedServer };
}
