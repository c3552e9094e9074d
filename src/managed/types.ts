/** Contracts of the generic managed-resource reconciler (DESIGN §6). */
import type { JsonObject, KubeObject } from '../../schemas/object.js';
import type { ResourceType } from '../../schemas/types.js';
import type { ApiClient } from '../client/types.js';
import type { Clock } from '../runtime/clock.js';
import type { EventRecorder } from '../runtime/events.js';
import type { ExternalConnector, Observation } from '../providers/types.js';
import type { ConditionInput } from '../runtime/conditions.js';
import type { ObjectLookup, ObjectRef } from './dependencies.js';
import type { Journal } from './journal.js';
import type { ManagedMetrics } from './metrics.js';
import type { ProviderLimits } from './semaphore.js';

/** Finalizer that keeps an object until its external resource is dealt with. */
export const MANAGED_FINALIZER = 'converge.io/finalizer';
/** Annotation that stops reconciling an object while `"true"`. */
export const PAUSED_ANNOTATION = 'converge.io/paused';

/** One managed kind: its API type, its driver connector and how observed state maps to status. */
export interface ManagedKind {
  readonly type: ResourceType;
  /** External-name prefix of uid-derived names, e.g. `ci` for instances. */
  readonly prefix: string;
  readonly connector: ExternalConnector;
  /** Status keys {@link statusFromObserved} owns: those it leaves out are removed from status. */
  readonly observedFields: readonly string[];
  /** Kind-specific status fields from what the driver observed; only schema fields. */
  statusFromObserved(observed: Record<string, unknown>): JsonObject;
  /**
   * Objects that must exist and be Ready (for their current generation) before the external resource is
   * created; until then the object is Synced=False/Ready=False `WaitingForDependency` and no driver call is
   * made. Consulted only while the resource was never created: updates and an existing resource never wait.
   */
  dependenciesOf?(obj: KubeObject): readonly ObjectRef[];
  /**
   * Objects that use this one (e.g. Instances attaching a Volume). While any exists — deleting ones included —
   * the external resource is not deleted and the finalizer stays; the object is Ready=False `Deleting`.
   * Consulted only when deletion would delete externally (not for Orphan, NoDelete or ObserveOnly).
   */
  dependentsOf?(obj: KubeObject, lookup: ObjectLookup): Promise<readonly ObjectRef[]>;
  /**
   * Called on the deletion path when the external resource is left in place (Orphan, NoDelete, ObserveOnly),
   * just before the finalizer is released: what the kept resource still uses must outlive this object, e.g.
   * an Instance's pool addresses lose their ownerReference so the garbage collector keeps them. Throw to
   * keep the finalizer and retry.
   */
  onLeftInPlace?(obj: KubeObject): Promise<void>;
}

/** Options of {@link createManagedReconciler}. */
export interface ManagedReconcilerOptions {
  readonly client: ApiClient;
  readonly kind: ManagedKind;
  readonly recorder?: EventRecorder;
  readonly journal?: Journal;
  /** Shared across controllers so a ProviderConfig's limit covers every kind. */
  readonly limits?: ProviderLimits;
  readonly metrics?: ManagedMetrics;
  readonly clock?: Clock;
  /** Source of poll jitter. Default `Math.random`. */
  readonly random?: () => number;
}

