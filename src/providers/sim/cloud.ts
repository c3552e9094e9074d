/**
 * SIMULATED cloud: an in-process stand-in for a real backend, holding VMs, disks, buckets and networks in a
 * {@link SimState} (memory, or a sqlite file that survives restarts). Nothing here touches real infrastructure. It exists for trials, tests and scale tests, so it
 * can slow down (latency), fail on purpose (a failure rate or scripted next-N failures per operation) and
 * change behind Converge's back (drift injection: {@link SimCloud.mutate}, {@link SimCloud.remove}).
 */
import { UnavailableError } from '../../errors/index.js';
import { realClock, sleep, type Clock } from '../../runtime/clock.js';
import { MemorySimState, type SimState } from './state.js';

/** Resource kinds the simulated cloud holds. */
export const SimKind = { Instance: 'Instance', Volume: 'Volume', Bucket: 'Bucket', Network: 'Network' } as const;
export type SimKind = (typeof SimKind)[keyof typeof SimKind];

/** Operations failures can be injected into. */
export const SimOperation = { Get: 'get', Create: 'create', Update: 'update', Delete: 'delete' } as const;
export type SimOperation = (typeof SimOperation)[keyof typeof SimOperation];

/** One simulated resource: a plain record of fields. */
export type SimRecord = Record<string, unknown>;

/** Options of {@link SimCloud}. */
export interface SimCloudOptions {
  /** Delay of every call in ms. Default 0. */
  readonly latencyMs?: number;
  /** Probability (0..1) that a call fails with `UnavailableError`. Default 0. */
  readonly failureRate?: number;
  /** Source of randomness for the failure rate. Default `Math.random`. */
  readonly random?: () => number;
  readonly clock?: Clock;
  /** Where the records live; default a fresh {@link MemorySimState}. */
  readonly state?: SimState;
}

/** A scripted failure: `before` fails without acting; `after` acts, then fails (a lost response). */
export interface ScriptedFailure {
  readonly operation: SimOperation;
  readonly kind?: SimKind;
  /** How many of the next matching calls fail. Default 1. */
  readonly count?: number;
  readonly when?: 'before' | 'after';
  readonly message?: string;
}

interface PendingFailure {
  readonly operation: SimOperation;
  readonly kind: SimKind | undefined;
  remaining: number;
  readonly when: 'before' | 'after';
  readonly message: string;
}

/** See the module comment. Records are copied in and out: callers never alias the cloud's state. */
export class SimCloud {
  /** Where the records live (shared with the other clouds of the same {@link SimClouds}). */
  readonly state: SimState;
  private readonly failures: PendingFailure[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
  private latencyMs: number;
  private failureRate: number;
  /** Calls made per `<operation>:<kind>`, for tests and the dashboard. */
  readonly calls = new Map<string, number>();
  /** Calls in progress now, and the most ever in progress at once (to check concurrency limits). */
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly name: string, options: SimCloudOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.latencyMs = options.latencyMs ?? 0;
    this.failureRate = options.failureRate ?? 0;
    this.state = options.state ?? new MemorySimState();
  }

  /** Changes latency and failure rate (e.g. when the ProviderConfig's options change). */
  configure(options: { latencyMs?: number; failureRate?: number }): void {
    if (options.latencyMs !== undefined) this.latencyMs = options.latencyMs;
    if (options.failureRate !== undefined) this.failureRate = options.failureRate;
  }

  /** Makes the next matching call(s) fail; see {@link ScriptedFailure}. */
  failNext(failure: ScriptedFailure): void {
    this.failures.push({
      operation: failure.operation,
      kind: failure.kind,
      remaining: failure.count ?? 1,
      when: failure.when ?? 'before',
      message: failure.message ?? `simulated ${failure.operation} failure`,
    });
  }

  /** The resource, or undefined. */
  async get(kind: SimKind, name: string, signal?: AbortSignal): Promise<SimRecord | undefined> {
    return this.call(SimOperation.Get, kind, signal, () => this.state.get(this.name, kind, name));
  }

  /** Creates the resource unless it exists; returns what is stored either way (create-if-absent). */
  async create(kind: SimKind, name: string, record: SimRecord, signal?: AbortSignal): Promise<SimRecord> {
    return this.call(SimOperation.Create, kind, signal, () => this.state.insert(this.name, kind, name, record));
  }

  /** Merges `patch` into the resource; `UnavailableError` when it does not exist. */
  async update(kind: SimKind, name: string, patch: SimRecord, signal?: AbortSignal): Promise<SimRecord> {
    return this.call(SimOperation.Update, kind, signal, () => {
      const next = this.state.merge(this.name, kind, name, patch);
      if (next === undefined) throw new UnavailableError(`simulated ${kind} "${name}" does not exist`);
      return next;
    });
  }

  /** Deletes the resource; a missing one is fine. */
  async delete(kind: SimKind, name: string, signal?: AbortSignal): Promise<void> {
    return this.call(SimOperation.Delete, kind, signal, () => {
      this.state.delete(this.name, kind, name);
    });
  }

  /** Drift injection: changes fields out of band, bypassing latency and failures. False when missing. */
  mutate(kind: SimKind, name: string, patch: SimRecord): boolean {
    return this.state.merge(this.name, kind, name, patch) !== undefined;
  }

  /** Drift injection: deletes out of band. False when missing. */
  remove(kind: SimKind, name: string): boolean {
    return this.state.delete(this.name, kind, name);
  }

  /** Synchronous read for tests and drivers' cross-kind lookups (no latency, no failures). */
  peek(kind: SimKind, name: string): SimRecord | undefined {
    return this.state.get(this.name, kind, name);
  }

  /** Names of the resources of `kind`, sorted. */
  names(kind: SimKind): string[] {
    return this.state.list(this.name, kind).map(([name]) => name);
  }

  /** Every resource of `kind` with its name (a copy), sorted by name. */
  entries(kind: SimKind): [string, SimRecord][] {
    return this.state.list(this.name, kind);
  }

  /** The resource created for the object `ref` (`namespace/name`), if any. */
  findByRef(kind: SimKind, ref: string): [string, SimRecord] | undefined {
    return this.state.findByRef(this.name, kind, ref);
  }

  private async call<T>(operation: SimOperation, kind: SimKind, signal: AbortSignal | undefined, act: () => T): Promise<T> {
    const id = `${operation}:${kind}`;
    this.calls.set(id, (this.calls.get(id) ?? 0) + 1);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      if (this.latencyMs > 0) await sleep(this.clock, this.latencyMs, signal);
      if (signal?.aborted) throw new UnavailableError(`simulated ${operation} of ${kind} aborted`);
      return this.act(operation, kind, act);
    } finally {
      this.inFlight--;
    }
  }

  private act<T>(operation: SimOperation, kind: SimKind, act: () => T): T {
    const scripted = this.takeFailure(operation, kind);
    if (scripted?.when === 'before') throw new UnavailableError(scripted.message);
    if (scripted === undefined && this.failureRate > 0 && this.random() < this.failureRate) {
      throw new UnavailableError(`simulated random ${operation} failure of ${kind}`);
    }
    const result = act();
    if (scripted?.when === 'after') throw new UnavailableError(scripted.message);
    return result;
  }

  private takeFailure(operation: SimOperation, kind: SimKind): PendingFailure | undefined {
    const index = this.failures.findIndex((f) => f.operation === operation && (f.kind === undefined || f.kind === kind));
    const found = this.failures[index];
    if (found === undefined) return undefined;
    found.remaining--;
    if (found.remaining <= 0) this.failures.splice(index, 1);
    return found;
  }
}

/**
 * One {@link SimCloud} per ProviderConfig name, created on first use and shared by every driver, all keeping
 * their records in one {@link SimState} (default: in memory).
 */
export class SimClouds {
  private readonly clouds = new Map<string, SimCloud>();
  /** Where every cloud's records live. */
  readonly state: SimState;

  constructor(private readonly defaults: SimCloudOptions = {}) {
    this.state = defaults.state ?? new MemorySimState();
  }

  /** The cloud of ProviderConfig `name`. */
  get(name: string): SimCloud {
    let cloud = this.clouds.get(name);
    if (cloud === undefined) {
      cloud = new SimCloud(name, { ...this.defaults, state: this.state });
      this.clouds.set(name, cloud);
    }
    return cloud;
  }

  /** Names of the clouds in use by this process or holding records, sorted. */
  names(): string[] {
    return [...new Set([...this.clouds.keys(), ...this.state.clouds()])].sort();
  }

  /** Closes the state (a sqlite file); the clouds must not be used afterwards. */
  close(): void {
    this.state.close();
  }
}
