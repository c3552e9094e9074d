/**
 * What each Instance was last given per pool-backed interface, by uid, so that the observe → create calls
 * of one reconcile (and later polls) confirm an address with one GET instead of listing the pool. Only a
 * hint: every use checks it against the store.
 */
import type { PoolNic } from './pool-nics.js';

/** The identity of an interface's allocation within its Instance: the pool and the network. */
export function nicKey(nic: Pick<PoolNic, 'pool' | 'network'>): string {
  return `${nic.pool}\u0000${nic.network}`;
}

/** Bounded map uid → interface key → allocated prefix text (`10.0.1.2/32`); the oldest Instances go first. */
export class HeldAddresses {
  readonly #byUid = new Map<string, Map<string, string>>();
  readonly #max: number;

  /** @param max Instances remembered (default 10,000). */
  constructor(max = 10_000) {
    this.#max = max;
  }

  /** The prefix last recorded for interface `key` of `uid`. */
  get(uid: string, key: string): string | undefined {
    return this.#byUid.get(uid)?.get(key);
  }

  /** Records that interface `key` of `uid` holds `cidr`. */
  set(uid: string, key: string, cidr: string): void {
    const entry = this.#byUid.get(uid) ?? new Map<string, string>();
    this.#byUid.delete(uid);
    entry.set(key, cidr);
    this.#byUid.set(uid, entry);
    if (this.#byUid.size > this.#max) {
      const oldest = this.#byUid.keys().next();
      if (oldest.done !== true) this.#byUid.delete(oldest.value);
    }
  }

  /** Forgets what `uid` holds (its addresses were released). */
  delete(uid: string): void {
    this.#byUid.delete(uid);
  }
}
