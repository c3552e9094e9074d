/**
 * A watch on etcd over its own gRPC watch stream. etcd3's high-level Watcher is not used because on
 * reconnect it resumes from the revision in the last response header, which can skip events that were
 * still being replayed, and it drops the compact revision of a compacted watch. Here the stream resumes
 * from the last revision actually queued, so events stay gap-free across reconnects.
 *
 * Compaction boundary: the contract says a watch from `r` fails when `r + 1` is compacted, while etcd only
 * fails when `start_revision` is below its compaction point. So the first stream starts AT `fromRevision`
 * (etcd then checks the right boundary) and drops the events of that one revision.
 */
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse, WatchClient } from 'etcd3';
import { CompactedError, UnavailableError } from '../../errors/index.js';
import type { Watch, WatchEvent, WatchOptions } from '../types.js';
import type { Keyspace } from './keyspace.js';

/** What an etcd watch needs from its backend. */
export interface EtcdWatchDeps {
  readonly client: WatchClient;
  readonly space: Keyspace;
  /** Newest revision the backend has seen (the start of a watch without `fromRevision`). */
  readonly seenRevision: () => number;
  /** Reports a compaction point learnt from etcd. */
  readonly onCompacted: (revision: number) => void;
  /** Called once when the watch closes. */
  readonly onClose?: (watch: EtcdWatch) => void;
  /** Consecutive failed (re)connects before the watch fails with UnavailableError (default 10). */
  readonly maxAttempts?: number;
}

/** Converts one etcd event; a delete reports the last value at the delete's revision. */
function toEvent(space: Keyspace, ev: IEvent): WatchEvent {
  const prevKv = ev.prev_kv ? space.toKeyValue(ev.prev_kv) : undefined;
  const revision = Number(ev.kv.mod_revision);
  if (ev.type === 'Delete') {
    const kv = {
      key: space.strip(ev.kv.key),
      value: prevKv?.value ?? '',
      createRevision: prevKv?.createRevision ?? 0,
      modRevision: revision,
    };
    return prevKv === undefined ? { type: 'delete', kv, revision } : { type: 'delete', kv, prevKv, revision };
  }
  const kv = space.toKeyValue(ev.kv);
  // A create has no previous value even if etcd happens to send one.
  const created = kv.createRevision === kv.modRevision;
  return prevKv === undefined || created ? { type: 'put', kv, revision } : { type: 'put', kv, prevKv, revision };
}

/** See the module comment. */
export class EtcdWatch implements Watch {
  private readonly range: { key: Buffer; range_end: Buffer };
  private readonly explicitStart: boolean;
  /** Events at or below this revision have been queued (or are before the start) and are skipped. */
  private floor: number;
  /** `start_revision` of the next stream; 0 = from etcd's current revision. */
  private nextStart: number;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private attempts = 0;
  private receivedAny = false;
  private queue: WatchEvent[] = [];
  private failure: Error | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private iterator: AsyncGenerator<WatchEvent> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: EtcdWatchDeps,
    options: WatchOptions,
  ) {
    this.range = deps.space.range(options.prefix);
    this.explicitStart = options.fromRevision !== undefined;
    this.floor = options.fromRevision ?? deps.seenRevision();
    this.nextStart = this.explicitStart ? Math.max(1, this.floor) : this.floor + 1;
    if (options.signal?.aborted === true) {
      this.closed = true;
      return;
    }
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    void this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.deps.onClose?.(this);
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.notify();
  }

  /** One stream of events per watch: iterating twice continues the same stream. */
  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  private async *events(): AsyncGenerator<WatchEvent> {
    try {
      for (;;) {
        if (this.closed) return;
        const next = this.queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.close();
    }
  }

  private async connect(): Promise<void> {
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.deps.client.watch();
    } catch (err) {
      this.retry(err);
      return;
    }
    if (this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => this.onResponse(stream, res));
    stream.on('error', (err) => this.onBroken(stream, err));
    stream.on('end', () => this.onBroken(stream, new Error('etcd watch stream ended')));
    stream.write({
      create_request: {
        key: this.range.key,
        range_end: this.range.range_end,
        ...(this.nextStart > 0 ? { start_revision: this.nextStart } : {}),
        prev_kv: true,
      },
    });
  }

  private onResponse(stream: IDuplexStream<IWatchRequest, IWatchResponse>, res: IWatchResponse): void {
    if (stream !== this.stream || this.closed) return;
    if (res.created) {
      this.attempts = 0;
      if (this.nextStart === 0) {
        this.floor = Number(res.header.revision);
        this.nextStart = this.floor + 1;
      }
    }
    const compactRevision = Number(res.compact_revision);
    if (compactRevision > 0) {
      this.deps.onCompacted(compactRevision);
      if (!this.explicitStart && !this.receivedAny) {
        // Nobody asked for history, and the backend's last seen revision is simply stale: start from now.
        this.stream = undefined;
        stream.cancel();
        this.nextStart = 0;
        void this.connect();
        return;
      }
      this.fail(new CompactedError(this.floor, compactRevision));
      return;
    }
    if (res.canceled) {
      this.fail(new UnavailableError(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    let newest = this.floor;
    for (const ev of res.events) {
      const event = toEvent(this.deps.space, ev);
      if (event.revision <= this.floor) continue;
      this.queue.push(event);
      this.receivedAny = true;
      newest = Math.max(newest, event.revision);
    }
    // Whole revisions arrive in one response, so resuming after the newest is gap-free.
    this.floor = newest;
    this.nextStart = newest + 1;
    this.notify();
  }

  private onBroken(stream: IDuplexStream<IWatchRequest, IWatchResponse>, err: unknown): void {
    if (stream !== this.stream || this.closed) return;
    this.stream = undefined;
    stream.cancel();
    this.retry(err);
  }

  private retry(err: unknown): void {
    if (this.closed) return;
    this.attempts++;
    if (this.attempts > (this.deps.maxAttempts ?? 10)) {
      this.fail(new UnavailableError(`etcd watch could not reconnect: ${String(err)}`, { cause: err }));
      return;
    }
    const delay = Math.min(5000, 100 * 2 ** (this.attempts - 1));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.stream?.cancel();
    this.stream = undefined;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
