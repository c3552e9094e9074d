/**
 * Events: what controllers tell users about an object ("Created", "DriftCorrected", "ProviderUnreachable").
 * The recorder never blocks or fails a reconcile. The aggregating recorder sends the first occurrence at
 * once and folds identical repeats (same object, type, reason and message) within a window into one update
 * carrying the count, like client-go's event correlator — a reconcile loop failing every few seconds must
 * not flood the store. Where events go is the {@link EventSink}'s business (log, Event objects in the API).
 */
import type { KubeObject } from '../../schemas/object.js';
import { eventType, MAX_EVENT_MESSAGE_BYTES } from '../../schemas/event.js';
import type { ApiClient } from '../client/types.js';
import { isAlreadyExists, isConflict, isNotFound } from '../errors/index.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { realClock, type Clock, type Timer } from './clock.js';

/** Event types, as Kubernetes. */
export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** The object an event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

/** An event as handed to the sink. Repeats of one series share `name`, so a sink can upsert by it. */
export interface RecordedEvent {
  /** Unique per series: `<object name>.<hex>`. */
  readonly name: string;
  readonly involvedObject: InvolvedObject;
  readonly type: EventType;
  /** CamelCase, e.g. `Created`. */
  readonly reason: string;
  readonly message: string;
  /** Occurrences so far in this series. */
  readonly count: number;
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  /** The component that reported it, e.g. `instance-controller`. */
  readonly source: { readonly component: string };
}

/** Where recorded events go. A rejected promise is logged, never propagated. */
export interface EventSink {
  emit(event: RecordedEvent): void | Promise<void>;
}

/** A sink writing each event as a log line (Warning events at warn level). */
export function logEventSink(logger: Logger): EventSink {
  return {
    emit(event) {
      const fields = { event: { ...event } };
      if (event.type === EventType.Warning) logger.warn(fields, `${event.reason}: ${event.message}`);
      else logger.info(fields, `${event.reason}: ${event.message}`);
    },
  };
}

/** Namespace of a cluster-scoped object's events, as Kubernetes (`default`). */
export const CLUSTER_EVENT_NAMESPACE = 'default';

/** `message` cut to the API's 1 KiB limit on a character boundary, marked with `...` when cut. */
export function truncateEventMessage(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MAX_EVENT_MESSAGE_BYTES) return message;
  let out = '';
  let bytes = 3;
  for (const ch of message) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > MAX_EVENT_MESSAGE_BYTES) break;
    out += ch;
    bytes += n;
  }
  return `${out}...`;
}

/** The core v1 Event object of a recorded event. */
export function eventObject(event: RecordedEvent): KubeObject {
  const namespace = event.involvedObject.namespace ?? CLUSTER_EVENT_NAMESPACE;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: event.name, namespace },
    involvedObject: { ...event.involvedObject },
    reason: event.reason,
    message: truncateEventMessage(event.message),
    type: event.type,
    count: event.count,
    firstTimestamp: event.firstTimestamp,
    lastTimestamp: event.lastTimestamp,
    source: { ...event.source },
    reportingComponent: event.source.component,
  };
}

/** Options of {@link apiEventSink}. */
export interface ApiEventSinkOptions {
  /** Where failed writes are reported (they are dropped: events are best-effort). */
  readonly logger?: Logger;
}

/**
 * A sink writing core v1 Event objects through `client`: the first occurrence of a series creates its Event,
 * repeats merge-patch `count`, `lastTimestamp` and `message` (creating it if it went missing). Writes of one
 * series are serialised so an update never overtakes its create. The returned promise never rejects.
 */
export function apiEventSink(client: ApiClient, options: ApiEventSinkOptions = {}): EventSink {
  const logger = options.logger ?? silentLogger();
  const pending = new Map<string, Promise<void>>();
  const create = async (obj: KubeObject, event: RecordedEvent): Promise<void> => {
    try {
      await client.create(eventType, obj);
    } catch (err) {
      // Another writer (or an earlier flush) created it: fall back to updating the count.
      if (!isAlreadyExists(err)) throw err;
      await patch(obj, event);
    }
  };
  const patch = async (obj: KubeObject, event: RecordedEvent): Promise<void> => {
    const body = { count: event.count, lastTimestamp: event.lastTimestamp, message: obj['message'] };
    await client.patch(eventType, obj.metadata.namespace, event.name, { type: 'merge', body });
  };
  const write = async (event: RecordedEvent): Promise<void> => {
    const obj = eventObject(event);
    try {
      if (event.count <= 1) {
        await create(obj, event);
        return;
      }
      try {
        await patch(obj, event);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await create(obj, event);
      }
    } catch (err) {
      logger.warn({ err, event: event.name }, 'could not write event');
    }
  };
  return {
    emit(event) {
      const previous = pending.get(event.name) ?? Promise.resolve();
      const next = previous.then(() => write(event));
      pending.set(event.name, next);
      void next.then(() => {
        if (pending.get(event.name) === next) pending.delete(event.name);
      });
      return next;
    },
  };
}

/** How long an Event is kept after its last occurrence, as kube-apiserver's default `--event-ttl` (1 h). */
export const DEFAULT_EVENT_TTL_MS = 3_600_000;

/** Options of {@link sweepExpiredEvents}. */
export interface SweepEventsOptions {
  /** Events last seen longer ago than this are deleted. Default {@link DEFAULT_EVENT_TTL_MS}. */
  readonly ttlMs?: number;
  /** Current time in ms; default `Date.now()`. */
  readonly now?: number;
}

/**
 * Deletes every Event (all namespaces) whose last occurrence (`lastTimestamp`, else `eventTime`, else its
 * creation) is older than the TTL, like kube-apiserver's event TTL. An Event updated meanwhile (resourceVersion
 * precondition) or already gone is skipped. Resolves to the number deleted; list failures reject.
 */
export async function sweepExpiredEvents(client: Pick<ApiClient, 'list' | 'delete'>, options: SweepEventsOptions = {}): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.ttlMs ?? DEFAULT_EVENT_TTL_MS);
  let deleted = 0;
  let cont: string | undefined;
  do {
    const page = await client.list(eventType, { limit: 500, ...(cont !== undefined ? { continue: cont } : {}) });
    for (const ev of page.items) {
      const seen = [ev['lastTimestamp'], ev['eventTime'], ev.metadata.creationTimestamp]
        .map((v) => (typeof v === 'string' ? Date.parse(v) : NaN))
        .find((ms) => !Number.isNaN(ms));
      if (seen === undefined || seen >= cutoff) continue;
      try {
        const preconditions = ev.metadata.resourceVersion !== undefined ? { resourceVersion: ev.metadata.resourceVersion } : {};
        await client.delete(eventType, ev.metadata.namespace, ev.metadata.name, { preconditions });
        deleted++;
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    cont = page.continue;
  } while (cont !== undefined && cont !== '');
  return deleted;
}

/** A sink handing every event to each of `sinks` (e.g. the log and the API); one failing does not stop the others. */
export function teeEventSink(...sinks: readonly EventSink[]): EventSink {
  return {
    async emit(event) {
      await Promise.all(
        sinks.map(async (sink) => {
          try {
            await sink.emit(event);
          } catch {
            // Each sink reports its own failures; a tee only keeps them independent.
          }
        }),
      );
    },
  };
}

/** What controllers call. Never throws. */
export interface EventRecorder {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

/** A sink that drops everything. */
export const nopEventSink: EventSink = { emit() {} };

/** A recorder that drops everything. */
export const nopEventRecorder: EventRecorder = { event() {} };

/** Options of {@link AggregatingRecorder}. */
export interface AggregatingRecorderOptions {
  readonly sink: EventSink;
  /** Reported as `source.component`. */
  readonly component: string;
  /** Repeats within this window are folded into one update at its end. Default 600,000 ms (10 min). */
  readonly windowMs?: number;
  /** Series remembered at most (least recently seen forgotten first). Default 4,096. */
  readonly maxSeries?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Series {
  readonly name: string;
  readonly involvedObject: InvolvedObject;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly first: number;
  last: number;
  count: number;
  emittedCount: number;
  lastEmit: number;
  timer: Timer | undefined;
}

function involvedOf(obj: KubeObject): InvolvedObject {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    name: m.name,
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
  };
}

/** See the module comment. */
export class AggregatingRecorder implements EventRecorder {
  private readonly options: AggregatingRecorderOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly maxSeries: number;
  private readonly series = new Map<string, Series>();
  private seq = 0;

  constructor(options: AggregatingRecorderOptions) {
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger();
    this.windowMs = options.windowMs ?? 600_000;
    this.maxSeries = options.maxSeries ?? 4096;
  }

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const involvedObject = involvedOf(object);
    const id = JSON.stringify([involvedObject.uid ?? '', involvedObject.kind, involvedObject.namespace ?? '', involvedObject.name, type, reason, message]);
    const now = this.clock.now();
    const existing = this.series.get(id);
    if (existing !== undefined && now - existing.last <= this.windowMs) {
      existing.count++;
      existing.last = now;
      this.touch(id, existing);
      existing.timer ??= this.clock.setTimer(existing.lastEmit + this.windowMs - now, () => this.flushSeries(existing));
      return;
    }
    if (existing !== undefined) this.flushSeries(existing);
    const name = `${involvedObject.name}.${now.toString(16)}${(this.seq++ % 0x10000).toString(16).padStart(4, '0')}`;
    const s: Series = { name, involvedObject, type, reason, message, first: now, last: now, count: 1, emittedCount: 1, lastEmit: now, timer: undefined };
    this.touch(id, s);
    this.send(s);
  }

  /** Sends every pending aggregated count now (e.g. at shutdown) and cancels the window timers. */
  flush(): void {
    for (const s of this.series.values()) this.flushSeries(s);
  }

  private flushSeries(s: Series): void {
    s.timer?.cancel();
    s.timer = undefined;
    if (s.count <= s.emittedCount) return;
    s.emittedCount = s.count;
    s.lastEmit = this.clock.now();
    this.send(s);
  }

  /** Marks a series most recently used, forgetting the least recently used beyond the cap. */
  private touch(id: string, s: Series): void {
    this.series.delete(id);
    this.series.set(id, s);
    while (this.series.size > this.maxSeries) {
      const oldest = this.series.keys().next().value;
      if (oldest === undefined) break;
      const evicted = this.series.get(oldest);
      if (evicted !== undefined) this.flushSeries(evicted);
      this.series.delete(oldest);
    }
  }

  private send(s: Series): void {
    const event: RecordedEvent = {
      name: s.name,
      involvedObject: s.involvedObject,
      type: s.type,
      reason: s.reason,
      message: s.message,
      count: s.count,
      firstTimestamp: new Date(s.first).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      lastTimestamp: new Date(s.last).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      source: { component: this.options.component },
    };
    try {
      const pending = this.options.sink.emit(event);
      if (pending instanceof Promise) pending.catch((err: unknown) => this.logger.warn({ err, event: event.name }, 'event sink failed'));
    } catch (err) {
      this.logger.warn({ err, event: event.name }, 'event sink failed');
    }
  }
}
