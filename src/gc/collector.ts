/**
 * The garbage collector (kube-controller-manager's, scaled to Converge): one small controller per watched
 * kind, all fed by the shared informers. An object is reconciled when it appears or its ownerReferences
 * change (is it still owned?), when it is being deleted with the `orphan` or `foregroundDeletion` finalizer
 * (act on its dependents), when one of its owners disappears or is re-created with a new uid, and — for a
 * foreground-deleting owner — when a dependent goes. Decisions read the API live (see dependent.ts, owner.ts);
 * the caches only say whom to look at. A leader-only {@link Runnable}: replicas never collect twice.
 */
import type { KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import { isNotFound } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../registry/delete.js';
import type { Clock } from '../runtime/clock.js';
import { Controller } from '../runtime/controller.js';
import { nopEventRecorder, type EventRecorder } from '../runtime/events.js';
import type { Predicate } from '../runtime/handlers.js';
import type { Informer } from '../runtime/informer.js';
import type { InformerSource } from '../runtime/informers.js';
import type { Runnable } from '../runtime/manager.js';
import type { RuntimeMetrics } from '../runtime/prometheus.js';
import type { RateLimiter } from '../runtime/ratelimit.js';
import { keyOfObject, keyOfRequest, type ReconcileResult, type Request } from '../runtime/request.js';
import type { GcContext } from './context.js';
import { collectDependent, ownersLookAlive } from './dependent.js';
import { nopGcMetrics, type GcMetrics } from './metrics.js';
import { deleteDependentsInForeground, orphanDependents } from './owner.js';
import { keyOfLocation, OWNER_UID_INDEX, ownerLocation, ownerTypeOf, ownerUidIndex, sameOwners } from './refs.js';

/** Options of {@link GarbageCollector}. */
export interface GarbageCollectorOptions {
  readonly client: ApiClient;
  /** The shared informers (the collector adds its owner-uid index to each watched kind's). */
  readonly informers: InformerSource;
  /** Kinds that can be owners or dependents; references to any other kind are left alone. */
  readonly types: readonly ResourceType[];
  readonly recorder?: EventRecorder;
  readonly logger?: Logger;
  readonly metrics?: GcMetrics;
  /** controller-runtime's reconcile and work-queue metrics of the per-kind controllers. */
  readonly runtimeMetrics?: RuntimeMetrics;
  /** Workers per kind. Default 2. */
  readonly workers?: number;
  readonly rateLimiter?: RateLimiter;
  readonly clock?: Clock;
  /** How often a foreground-deleting owner looks again at blocking dependents besides their events. Default 5,000 ms. */
  readonly pollMs?: number;
}

const indexed = new WeakSet<Informer>();

const GC_FINALIZERS: readonly string[] = [ORPHAN_FINALIZER, FOREGROUND_FINALIZER];

/** True when `obj` is being deleted and waits for the collector (orphan or foreground finalizer). */
function awaitsCollector(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).some((f) => GC_FINALIZERS.includes(f));
}

const hasOwners = (obj: KubeObject) => (obj.metadata.ownerReferences ?? []).length > 0;

/** Which events of a kind's own objects need a look; deletions are handled through their dependents. */
const needsLook: Predicate = (event) => {
  if (event.type === 'delete') return false;
  const obj = event.object;
  const old = event.oldObject;
  if (event.type === 'add' || old === undefined || old.metadata.uid !== obj.metadata.uid) return hasOwners(obj) || awaitsCollector(obj);
  return !sameOwners(old, obj) || awaitsCollector(obj);
};

/** See the module comment. */
export class GarbageCollector implements Runnable {
  readonly needLeaderElection = true;
  private readonly options: GarbageCollectorOptions;
  private readonly logger: Logger;
  private readonly informers = new Map<ResourceType, Informer>();
  private readonly controllers = new Map<ResourceType, Controller>();
  private readonly context: GcContext;

  constructor(options: GarbageCollectorOptions) {
    this.options = options;
    this.logger = (options.logger ?? silentLogger()).child({ component: 'garbage-collector' });
    const seen = new Set<string>();
    this.context = {
      client: options.client,
      types: options.types,
      cacheOf: (type) => this.informerOf(type).cache,
      recorder: options.recorder ?? nopEventRecorder,
      metrics: options.metrics ?? nopGcMetrics,
      logger: this.logger,
      firstTime: (key) => {
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    };
    for (const type of options.types) {
      const informer = options.informers.informerFor(type);
      if (!indexed.has(informer)) {
        informer.addIndexer(OWNER_UID_INDEX, ownerUidIndex);
        indexed.add(informer);
      }
      this.informers.set(type, informer);
      this.controllers.set(type, this.controllerFor(type));
    }
  }

  /** Runs every kind's controller until `signal` aborts (only while leading, under a Manager). */
  async start(signal: AbortSignal): Promise<void> {
    const running = [...this.controllers.values()].map((c) => c.start(signal));
    const removers: (() => void)[] = [];
    try {
      const synced = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
      if (synced.every(Boolean)) {
        for (const informer of this.informers.values()) removers.push(informer.addEventHandler(this.crossHandler()));
        this.logger.info({ kinds: this.options.types.map((t) => t.kind) }, 'garbage collector started');
      }
      await Promise.all(running);
    } finally {
      for (const remove of removers) remove();
    }
  }

  private informerOf(type: ResourceType): Informer {
    const informer = this.informers.get(type);
    if (informer !== undefined) return informer;
    return this.options.informers.informerFor(type);
  }

  private controllerFor(type: ResourceType): Controller {
    const { options } = this;
    return new Controller({
      name: `garbagecollector-${type.plural}`,
      type,
      informers: options.informers,
      predicate: needsLook,
      reconciler: (request, _signal, rc) => this.reconcile(type, request, rc.logger),
      workers: options.workers ?? 2,
      logger: this.logger,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.runtimeMetrics ? { metrics: options.runtimeMetrics.controller, queueMetrics: options.runtimeMetrics.workqueue } : {}),
    });
  }

  private async reconcile(type: ResourceType, request: Request, logger: Logger): Promise<ReconcileResult | void> {
    const cached = this.informerOf(type).cache.get(keyOfRequest(request));
    if (cached !== undefined && cached.metadata.deletionTimestamp === undefined && ownersLookAlive(this.context, cached)) return;
    let obj: KubeObject;
    try {
      obj = await this.options.client.get(type, request.namespace, request.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp !== undefined) {
      // Objects being deleted are not collected again; only the two GC finalizers ask for work.
      if (finalizers.includes(ORPHAN_FINALIZER)) return orphanDependents(this.context, type, obj, logger);
      if (finalizers.includes(FOREGROUND_FINALIZER)) {
        return deleteDependentsInForeground(this.context, type, obj, logger, { pollMs: this.options.pollMs ?? 5000 });
      }
      return;
    }
    await collectDependent(this.context, type, obj, logger);
  }

  private enqueue(type: ResourceType, key: string): void {
    this.controllers.get(type)?.enqueue(key);
  }

  /** Looks at every cached dependent of `owner`, which is gone (or was replaced by a new uid). */
  private ownerGone(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    if (uid === undefined || uid === '') return;
    for (const [type, informer] of this.informers) {
      for (const dependent of informer.cache.byIndex(OWNER_UID_INDEX, uid)) this.enqueue(type, keyOfObject(dependent));
    }
  }

  /** Wakes the owners of `dependent` that wait for the collector (a foreground owner may be unblocked). */
  private wakeOwners(dependent: KubeObject): void {
    for (const ref of dependent.metadata.ownerReferences ?? []) {
      const type = ownerTypeOf(ref, this.options.types);
      if (type === undefined) continue;
      const location = ownerLocation(dependent, type, ref);
      if (location.kind === 'invalid') continue;
      const key = keyOfLocation(location);
      const owner = this.informerOf(type).cache.get(key);
      if (owner !== undefined && awaitsCollector(owner)) this.enqueue(type, key);
    }
  }

  private crossHandler() {
    return {
      onUpdate: (old: KubeObject, obj: KubeObject) => {
        if (old.metadata.uid !== obj.metadata.uid) {
          this.ownerGone(old);
          this.wakeOwners(old);
        } else if (!sameOwners(old, obj)) {
          this.wakeOwners(old);
        }
      },
      onDelete: (obj: KubeObject) => {
        this.ownerGone(obj);
        this.wakeOwners(obj);
      },
    };
  }
}
