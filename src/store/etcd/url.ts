/**
 * `etcd://host:port[,host:port…][/keyPrefix]` URLs. The optional path is a key prefix prepended to every
 * key, so several stores (tests, tenants) can share one etcd. Only plain-text `etcd://` for now.
 */
import { BadRequestError } from '../../errors/index.js';

/** What an etcd store URL says. */
export interface EtcdTarget {
  /** Client endpoints, e.g. `http://10.0.0.1:2379`. */
  readonly hosts: readonly string[];
  /** Prepended to every key; '' or a path like `/tenant-a` (no trailing slash). */
  readonly keyPrefix: string;
}

/** Parses an `etcd://` URL; throws {@link BadRequestError} on a malformed one. */
export function parseEtcdUrl(url: string): EtcdTarget {
  const match = /^etcd:\/\/([^/?#]*)([^?#]*)$/i.exec(url);
  const hostList = match?.[1] ?? '';
  if (match === null || hostList === '') {
    throw new BadRequestError(`store URL ${JSON.stringify(url)} is not etcd://host:port[,host:port][/keyPrefix]`);
  }
  const hosts = hostList.split(',').map((h) => {
    if (!/^[A-Za-z0-9.\-_]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(h)) {
      throw new BadRequestError(`store URL ${JSON.stringify(url)}: "${h}" is not host:port`);
    }
    return `http://${h}`;
  });
  const keyPrefix = (match[2] ?? '').replace(/\/+$/, '');
  return { hosts, keyPrefix };
}
