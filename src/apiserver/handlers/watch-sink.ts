/**
 * The writing end of one HTTP watch: lines go out in the order they were pushed, as fast as the client reads
 * them, without ever making the pusher wait. The shared fan-out pushes each event to every watcher in one
 * synchronous step, so a watcher that cannot keep up must not hold the others back: its lines queue here, and
 * once more than `maxQueuedLines` wait the watcher counts as too slow and is cut off (kube-apiserver does the
 * same when a watcher's buffer is full); the client re-watches from the last resourceVersion it received.
 */
import type { ServerResponse } from 'node:http';

/** Options of {@link WatchSink}. */
export interface WatchSinkOptions {
  /** Lines that may wait behind the socket before the watcher counts as too slow. */
  readonly maxQueuedLines: number;
  /** Called once when that limit is passed; the sink has then dropped its queue and accepts nothing more. */
  readonly onOverflow: () => void;
}

/** An ordered, bounded line writer over a chunked response; see the module comment. */
export class WatchSink {
  private queue: string[] = [];
  private head = 0;
  private backlog: Iterator<string> | undefined;
  private blocked = false;
  private stopped = false;
  private corked = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly options: WatchSinkOptions,
  ) {
    res.on('drain', this.onDrain);
  }

  /**
   * Lines written before anything pushed later and never counted against the limit: the initial state of a
   * watch, which may be large but is produced lazily at the pace the client reads.
   */
  setBacklog(lines: Iterable<string>): void {
    this.backlog = lines[Symbol.iterator]();
    this.pump();
  }

  /** Queues `line` (ending in a newline). Never blocks; may cut the watcher off (see the module comment). */
  push(line: string): void {
    if (this.stopped) return;
    if (!this.blocked && this.backlog === undefined && this.head === this.queue.length) {
      this.write(line);
      return;
    }
    this.queue.push(line);
    if (this.queue.length - this.head > this.options.maxQueuedLines) {
      this.stop();
      this.options.onOverflow();
    }
  }

  /** Resolves once everything pushed so far has been handed to the socket (or the sink stopped). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops writing and drops what is queued; later pushes are ignored. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.backlog = undefined;
    this.res.off('drain', this.onDrain);
    this.wakeIdle();
  }

  private readonly onDrain = (): void => {
    this.blocked = false;
    this.pump();
  };

  private isIdle(): boolean {
    return this.stopped || (!this.blocked && this.backlog === undefined && this.head === this.queue.length);
  }

  private pump(): void {
    while (!this.blocked && !this.stopped) {
      if (this.backlog !== undefined) {
        const next = this.backlog.next();
        if (next.done === true) this.backlog = undefined;
        else this.write(next.value);
        continue;
      }
      const line = this.queue[this.head];
      if (line === undefined) break;
      this.head++;
      this.write(line);
    }
    if (this.head > 0 && this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.isIdle()) this.wakeIdle();
  }

  private write(line: string): void {
    // Events committed together reach every watcher in one synchronous burst: cork so the burst leaves as one
    // socket write instead of one per event.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(this.uncork);
    }
    if (!this.res.write(line)) this.blocked = true;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.res.uncork();
  };

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
