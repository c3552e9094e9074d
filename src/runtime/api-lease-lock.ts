/**
 * A {@link ResourceLock} kept in a `coordination.k8s.io/v1` Lease object through the API (client-go's
 * `LeaseLock`): what `converge serve --kube` elects with, against a real kube-apiserver or Converge's own.
 * Every update carries the resourceVersion of the Lease last read, so the API server refuses it with 409 when
 * another replica wrote in between (that replica won); a create that finds the Lease already there is 409
 * AlreadyExists. The lock never retries on its own: the elector's retry period does.
 */
import { leaseType } from '../../schemas/lease.js';
import type { KubeObject, ObjectMeta } from '../../schemas/object.js';
import type { ApiClient } from '../client/types.js';
import { ConvergeError, ErrorCode, isNotFound } from '../errors/index.js';
import type { LeaderElectionRecord, LockedRecord, ResourceLock } from './leader.js';

/** Options of {@link ApiLeaseLock}. */
export interface ApiLeaseLockOptions {
  /** Any API client; the HTTP one in a cluster. */
  readonly client: ApiClient;
  /** Namespace of the Lease (it must exist on a real cluster). */
  readonly namespace: string;
  /** Lease name, e.g. `converge-controllers`. */
  readonly name: string;
  /** Field manager recorded on writes. Default `converge-leader-election`. */
  readonly fieldManager?: string;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

function specOf(lease: KubeObject): LeaseSpec {
  const spec = (lease as { spec?: unknown }).spec;
  if (spec === undefined) return {};
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConvergeError(ErrorCode.Internal, `lease ${lease.metadata.namespace ?? ''}/${lease.metadata.name}: spec is not an object`);
  }
  return spec as LeaseSpec;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The Lease spec for a record; a released lease (empty holder) omits holderIdentity, as client-go writes it. */
function specFor(record: LeaderElectionRecord): LeaseSpec {
  return {
    ...(record.holderIdentity !== '' ? { holderIdentity: record.holderIdentity } : {}),
    leaseDurationSeconds: record.leaseDurationSeconds,
    ...(record.acquireTime !== '' ? { acquireTime: record.acquireTime } : {}),
    ...(record.renewTime !== '' ? { renewTime: record.renewTime } : {}),
    leaseTransitions: record.leaderTransitions,
  };
}

/** See the module comment. */
export class ApiLeaseLock implements ResourceLock {
  private readonly client: ApiClient;
  private readonly namespace: string;
  private readonly name: string;
  private readonly fieldManager: string;
  /**
   * The Lease as last read or written: updates start from it so that labels, annotations and fields this
   * code does not know (e.g. a newer kube's `spec.strategy`) survive, as client-go's lock keeps them.
   */
  private last: KubeObject | undefined;

  constructor(options: ApiLeaseLockOptions) {
    this.client = options.client;
    this.namespace = options.namespace;
    this.name = options.name;
    this.fieldManager = options.fieldManager ?? 'converge-leader-election';
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<LockedRecord | undefined> {
    let lease: KubeObject;
    try {
      lease = await this.client.get(leaseType, this.namespace, this.name);
    } catch (err) {
      if (isNotFound(err)) {
        this.last = undefined;
        return undefined;
      }
      throw err;
    }
    this.last = lease;
    const spec = specOf(lease);
    return {
      record: {
        holderIdentity: str(spec.holderIdentity),
        leaseDurationSeconds: num(spec.leaseDurationSeconds),
        acquireTime: str(spec.acquireTime),
        renewTime: str(spec.renewTime),
        leaderTransitions: num(spec.leaseTransitions),
      },
      resourceVersion: this.versionOf(lease),
    };
  }

  async create(record: LeaderElectionRecord): Promise<string> {
    const lease = await this.client.create(
      leaseType,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: specFor(record) } as KubeObject,
      { fieldManager: this.fieldManager },
    );
    this.last = lease;
    return this.versionOf(lease);
  }

  async update(record: LeaderElectionRecord, resourceVersion: string): Promise<string> {
    const base = this.last;
    const metadata: ObjectMeta = { ...(base?.metadata ?? { name: this.name, namespace: this.namespace }), resourceVersion };
    // managedFields are the server's bookkeeping; sending them back would only make the request bigger.
    delete (metadata as { managedFields?: unknown }).managedFields;
    const known = base === undefined ? {} : specOf(base);
    const lease = await this.client.update(
      leaseType,
      { ...(base ?? {}), apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: { ...stripRecordFields(known), ...specFor(record) } } as KubeObject,
      { fieldManager: this.fieldManager },
    );
    this.last = lease;
    return this.versionOf(lease);
  }

  private versionOf(lease: KubeObject): string {
    const rv = lease.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      throw new ConvergeError(ErrorCode.Internal, `lease ${this.describe()}: the API server returned no resourceVersion`);
    }
    return rv;
  }
}

/** The spec without the fields a record sets, so that a released lease really drops its holder. */
function stripRecordFields(spec: LeaseSpec): Record<string, unknown> {
  const { holderIdentity: _h, leaseDurationSeconds: _d, acquireTime: _a, renewTime: _r, leaseTransitions: _t, ...rest } = spec;
  return rest;
}
