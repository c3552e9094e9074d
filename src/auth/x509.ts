/**
 * Client-certificate authentication, as kube-apiserver's `--client-ca-file`: the HTTPS listener asks for a
 * certificate (optional) and verifies it against the cluster CA; a verified one names the user in its subject's
 * CN and the groups in its O values. A certificate that fails verification (other CA, expired) is a 401.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { UnauthorizedError } from '../errors/index.js';
import { SYSTEM_AUTHENTICATED, type Authenticator, type UserInfo } from './types.js';

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** See the module comment. Plain-HTTP requests and TLS requests without a certificate are not its business. */
export class X509Authenticator implements Authenticator {
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    const cert = socket.getPeerCertificate();
    // Node answers an empty object when the client sent no certificate.
    if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return undefined;
    if (!socket.authorized) throw new UnauthorizedError();
    const name = values(cert.subject.CN)[0];
    if (name === undefined || name === '') throw new UnauthorizedError();
    const groups = values(cert.subject.O);
    return { name, groups: groups.includes(SYSTEM_AUTHENTICATED) ? groups : [...groups, SYSTEM_AUTHENTICATED], method: 'x509' };
  }
}
