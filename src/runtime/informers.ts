/**
 * Shared informers: one informer (one list+watch, one cache) per kind and selection, whatever the number
 * of controllers watching it — controller-runtime's cache. A {@link Runnable} that does not need the lease.
 */
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { BackoffOptions } from './backoff.js';
import type { IndexFunc } from './cache.js';
import { realClock, type Clock } from './clock.js';
import { Informer } from './informer.js';
import type { Runnable } from './manager.js';

/** What selects the objects of a shared informer. */
export interface InformerSelection {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Options of {@link InformerFactory}. */
export interface InformerFactoryOptions {
  readonly client: ApiClient;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly pageSize?: number;
  readonly watchdogMs?: number;
  readonly watchTimeoutSeconds?: number;
  readonly minWatchDurationMs?: number;
  readonly backoff?: BackoffOptions;
}

/** Where controllers get informers from (the factory, or any other source in tests). */
export interface InformerSource {
  /** The shared informer of `type` and `selection`, created on first use. */
  informerFor(type: ResourceType, selection?: InformerSelection): Informer;
}

/** See the module comment. */
export class InformerFactory implements InformerSource, Runnable {
  readonly needLeaderElection = false;
  private readonly options: InformerFactoryOptions;
  private readonly informers = new Map<string, Informer>();
  private readonly running: Promise<void>[] = [];
  private signal: AbortSignal | undefined;

  constructor(options: InformerFactoryOptions) {
    this.options = options;
  }

  informerFor(type: ResourceType, selection: InformerSelection = {}): Informer {
    const id = JSON.stringify([type.group, type.plural, selection.namespace ?? '', selection.labelSelector ?? '', selection.fieldSelector ?? '']);
    const existing = this.informers.get(id);
    if (existing !== undefined) return existing;
    const { client, clock, logger, pageSize, watchdogMs, watchTimeoutSeconds, minWatchDurationMs, backoff } = this.options;
    const informer = new Informer({
      client,
      type,
      ...selection,
      clock: clock ?? realClock,
      logger: logger ?? silentLogger(),
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(watchdogMs !== undefined ? { watchdogMs } : {}),
      ...(watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds } : {}),
      ...(minWatchDurationMs !== undefined ? { minWatchDurationMs } : {}),
      ...(backoff !== undefined ? { backoff } : {}),
    });
    this.informers.set(id, informer);
    if (this.signal !== undefined && !this.signal.aborted) this.running.push(informer.start(this.signal));
    return informer;
  }

  /** Adds indexes to the shared informer of `type` before it starts (indexes are per cache, so shared). */
  indexerFor(type: ResourceType, indexers: Readonly<Record<string, IndexFunc>>, selection: InformerSelection = {}): Informer {
    const informer = this.informerFor(type, selection);
    for (const [name, fn] of Object.entries(indexers)) informer.addIndexer(name, fn);
    return informer;
  }

  /** Starts every informer, and any created later, until `signal` aborts; resolves once all stopped. */
  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    for (const informer of this.informers.values()) this.running.push(informer.start(signal));
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.all(this.running);
  }

  /** Resolves true once every informer created so far has synced, false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}
