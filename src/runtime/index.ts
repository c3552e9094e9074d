/**
 * The controller runtime (DESIGN §5): informers and caches, the work queue, controllers, the manager,
 * leader election, and the condition, finalizer and event helpers every controller shares.
 */
export { realClock, FakeClock, sleep, type Clock, type Timer } from './clock.js';
export {
  exponentialFailureRateLimiter,
  tokenBucketRateLimiter,
  maxOfRateLimiters,
  defaultControllerRateLimiter,
  nopRateLimiter,
  type RateLimiter,
  type ExponentialRateLimiterOptions,
  type TokenBucketOptions,
  type ControllerRateLimiterOptions,
} from './ratelimit.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { WorkQueue, type WorkQueueOptions } from './workqueue.js';
export {
  nopWorkQueueMetrics,
  nopControllerMetrics,
  ReconcileResultLabel,
  type WorkQueueMetrics,
  type ControllerMetrics,
} from './metrics.js';
export { createRuntimeMetrics, type RuntimeMetrics } from './prometheus.js';
export {
  keyOfRequest,
  keyOfObject,
  requestOfKey,
  type Request,
  type ReconcileResult,
  type ReconcileContext,
  type Reconciler,
} from './request.js';
export { Cache, NAMESPACE_INDEX, type CacheReader, type CacheListOptions, type IndexFunc, type ReplaceDiff } from './cache.js';
export { listAll, type ListAllOptions, type FullList } from './list.js';
export { Informer, type InformerOptions, type InformerEventHandler } from './informer.js';
export { InformerFactory, type InformerFactoryOptions, type InformerSelection, type InformerSource } from './informers.js';
export {
  enqueueHandler,
  mapToSelf,
  mapToControllerOwner,
  generationChanged,
  desiredStateChanged,
  type MapFunc,
  type Predicate,
  type WatchEvent,
  type EnqueueOptions,
  type KeySink,
} from './handlers.js';
export { runReconcile, classifyFailure, inCauseChain, FailureClass, type ReconcileOutcome, type RunningReconcile } from './reconcile.js';
export { Controller, type ControllerOptions, type WatchOptions } from './controller.js';
export { Manager, alwaysLeader, type ManagerOptions, type Runnable, type LeaderElection, type LeadershipCallbacks } from './manager.js';
export {
  LeaderElector,
  type LeaderElectorOptions,
  type LeaderElectionRecord,
  type LockedRecord,
  type ResourceLock,
} from './leader.js';
export { BackendLeaseLock, type BackendLeaseLockOptions } from './lease-lock.js';
export { ApiLeaseLock, type ApiLeaseLockOptions } from './api-lease-lock.js';
export * as conditions from './conditions.js';
export type { Condition, ConditionInput } from './conditions.js';
export * as finalizers from './finalizers.js';
export { Finalizers, type Finalizer, type FinalizeResult } from './finalizers.js';
export {
  AggregatingRecorder,
  nopEventRecorder,
  nopEventSink,
  logEventSink,
  EventType,
  type EventRecorder,
  type EventSink,
  type RecordedEvent,
  type InvolvedObject,
  type AggregatingRecorderOptions,
} from './events.js';
