import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of one Converge process, in their own registry (no global state, so tests can run several). */
export interface Metrics {
  readonly registry: Registry;
  /** `apiserver_request_total{verb,group,resource,subresource,code}` — same name and labels as kube-apiserver. */
  readonly requests: Counter<'verb' | 'group' | 'resource' | 'subresource' | 'code'>;
  /** `apiserver_request_duration_seconds{verb,group,resource,subresource}` (watches excluded). */
  readonly requestDuration: Histogram<'verb' | 'group' | 'resource' | 'subresource'>;
  /** `apiserver_longrunning_requests{verb,group,resource}`: open watches. */
  readonly longRunning: Gauge<'verb' | 'group' | 'resource'>;
  /** `converge_store_revision`: current store revision. */
  readonly storeRevision: Gauge;
  /** `converge_store_keys`: live keys in the store. */
  readonly storeKeys: Gauge;
  /** `converge_store_size_bytes`: backing storage size. */
  readonly storeSizeBytes: Gauge;
  /** `converge_store_compact_revision`: oldest revision still readable. */
  readonly storeCompactRevision: Gauge;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

/** Creates a fresh metrics registry with every Converge metric registered. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'API requests by verb, resource and HTTP status code.',
      labelNames: ['verb', 'group', 'resource', 'subresource', 'code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'API request latency (excluding watches).',
      labelNames: ['verb', 'group', 'resource', 'subresource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    longRunning: new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Open long-running requests (watches).',
      labelNames: ['verb', 'group', 'resource'],
      registers,
    }),
    storeRevision: new Gauge({ name: 'converge_store_revision', help: 'Current store revision.', registers }),
    storeKeys: new Gauge({ name: 'converge_store_keys', help: 'Live keys in the store.', registers }),
    storeSizeBytes: new Gauge({ name: 'converge_store_size_bytes', help: 'Backing storage size in bytes.', registers }),
    storeCompactRevision: new Gauge({
      name: 'converge_store_compact_revision',
      help: 'Oldest revision still readable (compaction point).',
      registers,
    }),
  };
}
