/**
 * Where the SIMULATED cloud keeps its records, apart from Converge's store (a real cloud does not lose its
 * VMs when the control plane loses its database). Every method is synchronous and atomic, so a simulated
 * create-if-absent is as atomic as a real backend's.
 */
import type { SimKind, SimRecord } from './cloud.js';

/** The records of every simulated cloud, by cloud (ProviderConfig name), kind and external name. */
export interface SimState {
  get(cloud: string, kind: SimKind, name: string): SimRecord | undefined;
  /** Stores `record` unless `name` exists; returns what is stored either way. */
  insert(cloud: string, kind: SimKind, name: string, record: SimRecord): SimRecord;
  /** Shallow-merges `patch` into the record; undefined (nothing written) when it does not exist. */
  merge(cloud: string, kind: SimKind, name: string, patch: SimRecord): SimRecord | undefined;
  /** False when it did not exist. */
  delete(cloud: string, kind: SimKind, name: string): boolean;
  /** Every record of `kind`, sorted by name. */
  list(cloud: string, kind: SimKind): [string, SimRecord][];
  /** The record whose `ref` field (the owning object's `namespace/name`) is `ref`. */
  findByRef(cloud: string, kind: SimKind, ref: string): [string, SimRecord] | undefined;
  /** Names of the clouds holding at least one record, sorted. */
  clouds(): string[];
  close(): void;
}

function copy<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** A {@link SimState} in memory: gone when the process exits (tests, `--sim-state memory`). */
export class MemorySimState implements SimState {
  private readonly records = new Map<string, Map<string, SimRecord>>();

  private table(cloud: string, kind: SimKind): Map<string, SimRecord> {
    const key = `${cloud}\u0000${kind}`;
    let table = this.records.get(key);
    if (table === undefined) {
      table = new Map();
      this.records.set(key, table);
    }
    return table;
  }

  get(cloud: string, kind: SimKind, name: string): SimRecord | undefined {
    return copy(this.table(cloud, kind).get(name));
  }

  insert(cloud: string, kind: SimKind, name: string, record: SimRecord): SimRecord {
    const table = this.table(cloud, kind);
    const existing = table.get(name);
    if (existing !== undefined) return copy(existing);
    table.set(name, copy(record));
    return copy(record);
  }

  merge(cloud: string, kind: SimKind, name: string, patch: SimRecord): SimRecord | undefined {
    const table = this.table(cloud, kind);
    const existing = table.get(name);
    if (existing === undefined) return undefined;
    const next = { ...existing, ...copy(patch) };
    table.set(name, next);
    return copy(next);
  }

  delete(cloud: string, kind: SimKind, name: string): boolean {
    return this.table(cloud, kind).delete(name);
  }

  list(cloud: string, kind: SimKind): [string, SimRecord][] {
    return [...this.table(cloud, kind).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, r]) => [n, copy(r)]);
  }

  findByRef(cloud: string, kind: SimKind, ref: string): [string, SimRecord] | undefined {
    for (const [name, record] of this.table(cloud, kind)) if (record['ref'] === ref) return [name, copy(record)];
    return undefined;
  }

  clouds(): string[] {
    const names = new Set<string>();
    for (const [key, table] of this.records) if (table.size > 0) names.add(key.split('\u0000')[0]!);
    return [...names].sort();
  }

  close(): void {}
}
