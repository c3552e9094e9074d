/** The generic managed-resource reconciler, its journal, limits and metrics (DESIGN §6). */
export { createManagedReconciler, isPaused } from './reconciler.js';
export { MANAGED_FINALIZER, PAUSED_ANNOTATION, type ManagedKind, type ManagedReconcilerOptions } from './types.js';
export { MemoryJournal, nopJournal, JournalResult, type Journal, type JournalEntry, type JournalReader, type MemoryJournalOptions } from './journal.js';
export { BackendJournal, journalKey, sweepJournals, JOURNAL_PREFIX, type BackendJournalOptions } from './backend-journal.js';
export { Semaphore, ProviderLimits } from './semaphore.js';
export { createManagedMetrics, nopManagedMetrics, type ManagedMetrics } from './metrics.js';
export { driftPolicyFor, trackDrift, EXISTS_PATH, type DriftRecord } from './drift.js';
export { pollDelayMs, DEFAULT_POLL_MS } from './poll.js';
export { providerNameOf } from './connect.js';
export {
  clientLookup,
  dependencyProblems,
  describeProblems,
  describeUsers,
  refText,
  refTo,
  unusableReason,
  type DependencyProblem,
  type ObjectLookup,
  type ObjectRef,
} from './dependencies.js';
export { DEPENDENCY_POLL_MS, DEPENDENTS_POLL_MS } from './gates.js';
