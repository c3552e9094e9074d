/**
 * Maps store keys to etcd keys under an optional key prefix (so tests and tenants can share one etcd),
 * and builds etcd key ranges. etcd compares keys as bytes, so everything here works on UTF-8 buffers.
 */
import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../types.js';

/** etcd's "to the end of the keyspace" range end. */
const ALL = Buffer.from([0]);

/** The smallest byte string greater than every string starting with `prefix` (etcd's `GetPrefixRangeEnd`). */
export function bytesPrefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i] ?? 0xff;
    if (byte < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i] = byte + 1;
      return end;
    }
  }
  return ALL;
}

/** Store keys ↔ etcd keys under one key prefix. */
export class Keyspace {
  private readonly prefix: Buffer;

  /** `keyPrefix` is prepended to every key, e.g. `/tenant-a` (empty = none). */
  constructor(readonly keyPrefix: string) {
    this.prefix = Buffer.from(keyPrefix);
  }

  /** The etcd key of a store key. */
  key(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key)]);
  }

  /** The store key of an etcd key (which lies under the prefix). */
  strip(key: Buffer): string {
    return key.subarray(this.prefix.length).toString();
  }

  /** The etcd range `[key, range_end)` holding every store key that starts with `prefix`. */
  range(prefix: string): { key: Buffer; range_end: Buffer } {
    const start = this.key(prefix);
    if (start.length === 0) return { key: ALL, range_end: ALL };
    return { key: start, range_end: bytesPrefixEnd(start) };
  }

  /** The smallest etcd key strictly after the store key `key`. */
  after(key: string): Buffer {
    return Buffer.concat([this.key(key), ALL]);
  }

  /** Converts an etcd key-value. */
  toKeyValue(kv: IKeyValue): KeyValue {
    return {
      key: this.strip(kv.key),
      value: kv.value.toString(),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}
