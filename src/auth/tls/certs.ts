/**
 * X.509 certificates for the cluster: a self-signed CA, server certificates (with DNS and IP SANs) and client
 * certificates (CN = user, O = groups), all signed by that CA. Node's crypto makes the RSA keys (fast, native);
 * node-forge builds and signs the certificates, which Node's crypto cannot.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/** A certificate and its private key, PEM. */
export interface KeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;

/** A subject attribute as UTF8String: PrintableString (forge's default) cannot hold `:` or `@`, common in user names. */
function attr(name: string, value: string) {
  return { name, value, valueTagClass: forge.asn1.Type.UTF8 as number };
}

function newKeys(): { keyPem: string; publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  return { keyPem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function serialNumber(): string {
  // Positive 128-bit serial (the top bit clear so ASN.1 does not read it as negative).
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  // Backdated an hour so a client whose clock is a little behind accepts a certificate made just now.
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

/** Options of {@link createCa}. */
export interface CaOptions {
  readonly commonName: string;
  readonly validityDays?: number;
  readonly now?: Date;
}

/** A new self-signed CA (10 years by default), allowed to sign certificates only. */
export function createCa(options: CaOptions): KeyPair {
  const keys = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, options.now ?? new Date(), options.validityDays ?? 3650);
  const subject = [attr('commonName', options.commonName)];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  readonly ca: KeyPair;
  readonly commonName: string;
  /** Subject O values (the groups of a client certificate). */
  readonly organizations?: readonly string[];
  /** `server`: serverAuth with SANs; `client`: clientAuth. */
  readonly usage: 'server' | 'client';
  /** Host names and IP addresses (server certificates). */
  readonly hosts?: readonly string[];
  readonly validityDays?: number;
  readonly now?: Date;
}

/** A certificate signed by `ca` (1 year by default). */
export function issueCertificate(options: IssueOptions): KeyPair {
  const keys = newKeys();
  const caCert = forge.pki.certificateFromPem(options.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(options.ca.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, options.now ?? new Date(), options.validityDays ?? 365);
  cert.setSubject([
    ...(options.organizations ?? []).map((o) => attr('organizationName', o)),
    attr('commonName', options.commonName),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = (options.hosts ?? []).map((h) => (isIP(h) !== 0 ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: options.usage === 'server', clientAuth: options.usage === 'client' },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}
