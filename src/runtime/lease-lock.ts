/**
 * A {@link ResourceLock} kept directly in the store, so leader election works before the API serves a Lease
 * kind. The value is a `coordination.k8s.io/v1` Lease, stored at the key and in the shape kube-apiserver
 * uses (`/registry/coordination.k8s.io/leases/<namespace>/<name>`, no resourceVersion inside), so a Lease
 * kind served later reads the same object. Compare-and-swap by modRevision makes every write safe.
 */
import { randomUUID } from 'node:crypto';
import { ConvergeError, ErrorCode } from '../errors/index.js';
import type { Backend } from '../store/types.js';
import type { LeaderElectionRecord, LockedRecord, ResourceLock } from './leader.js';

/** Options of {@link BackendLeaseLock}. */
export interface BackendLeaseLockOptions {
  readonly backend: Backend;
  /** Default `converge-system`. */
  readonly namespace?: string;
  /** Lease name, e.g. `converge-controller-manager`. */
  readonly name: string;
}

interface StoredLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; uid: string; creationTimestamp: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

function parseLease(value: string, where: string): StoredLease {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new ConvergeError(ErrorCode.Internal, `lease ${where} is not valid JSON`, { cause: err });
  }
  const lease = parsed as Partial<StoredLease> | null;
  if (lease === null || typeof lease !== 'object' || typeof lease.spec !== 'object' || typeof lease.metadata !== 'object') {
    throw new ConvergeError(ErrorCode.Internal, `lease ${where} is not a Lease object`);
  }
  return lease as StoredLease;
}

/** See the module comment. */
export class BackendLeaseLock implements ResourceLock {
  private readonly backend: Backend;
  private readonly namespace: string;
  private readonly name: string;
  private readonly key: string;
  /** Metadata of the last lease read, kept across updates (uid, creationTimestamp). */
  private metadata: StoredLease['metadata'] | undefined;

  constructor(options: BackendLeaseLockOptions) {
    this.backend = options.backend;
    this.namespace = options.namespace ?? 'converge-system';
    this.name = options.name;
    this.key = `/registry/coordination.k8s.io/leases/${this.namespace}/${this.name}`;
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<LockedRecord | undefined> {
    const kv = await this.backend.get(this.key);
    if (kv === undefined) return undefined;
    const lease = parseLease(kv.value, this.describe());
    this.metadata = lease.metadata;
    const spec = lease.spec;
    return {
      record: {
        holderIdentity: spec.holderIdentity ?? '',
        leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
        acquireTime: spec.acquireTime ?? '',
        renewTime: spec.renewTime ?? '',
        leaderTransitions: spec.leaseTransitions ?? 0,
      },
      resourceVersion: String(kv.modRevision),
    };
  }

  async create(record: LeaderElectionRecord): Promise<string> {
    const metadata = {
      name: this.name,
      namespace: this.namespace,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const { kv } = await this.backend.create(this.key, this.encode(metadata, record));
    this.metadata = metadata;
    return String(kv.modRevision);
  }

  async update(record: LeaderElectionRecord, resourceVersion: string): Promise<string> {
    const metadata = this.metadata ?? { name: this.name, namespace: this.namespace, uid: randomUUID(), creationTimestamp: '' };
    const { kv } = await this.backend.update(this.key, this.encode(metadata, record), Number(resourceVersion));
    return String(kv.modRevision);
  }

  private encode(metadata: StoredLease['metadata'], record: LeaderElectionRecord): string {
    const lease: StoredLease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata,
      spec: {
        ...(record.holderIdentity !== '' ? { holderIdentity: record.holderIdentity } : {}),
        leaseDurationSeconds: record.leaseDurationSeconds,
        acquireTime: record.acquireTime,
        renewTime: record.renewTime,
        leaseTransitions: record.leaderTransitions,
      },
    };
    return JSON.stringify(lease);
  }
}
