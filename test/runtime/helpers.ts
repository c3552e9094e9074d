/**
 * Runtime test helpers: a real in-process client over a memory store, a wrapper around it that can cut and
 * refuse watch connections (the network faults informers must survive), and polling with a deadline.
 */
import type { ResourceType } from '../../schemas/types.js';
import { createInProcessClient } from '../../src/client/inprocess.js';
import type { ApiClient, ClientListOptions, ClientWatchEvent, ClientWatchOptions } from '../../src/client/types.js';
import { UnavailableError } from '../../src/errors/index.js';
import { createRegistryContext } from '../../src/registry/index.js';
import { openBackend, type Backend } from '../../src/store/index.js';

/** A store and an in-process client over it. */
export interface Env {
  readonly backend: Backend;
  readonly client: ApiClient;
  close(): Promise<void>;
}

/** Opens a fresh memory store (no automatic compaction) with an in-process client. */
export async function openEnv(options: { bookmarkIntervalMs?: number } = {}): Promise<Env> {
  const backend = await openBackend('memory://', { retainRevisions: 0 });
  const client = createInProcessClient({
    registry: createRegistryContext({ backend }),
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
  });
  return { backend, client, close: () => backend.close() };
}

/**
 * Delegates to a real client, but can drop every open watch with a connection error and refuse new ones
 * ({@link disconnect}), or make watches hang silently ({@link hang}) like a half-open TCP connection.
 */
export class FaultyClient implements ApiClient {
  lists: ClientListOptions[] = [];
  watches: ClientWatchOptions[] = [];
  private down = false;
  private silent = false;
  private readonly open = new Set<{ abort: AbortController; cut: boolean }>();

  constructor(private readonly inner: ApiClient) {}

  /** Cuts open watches (they throw `UnavailableError`) and refuses new ones until {@link reconnect}. */
  disconnect(): void {
    this.down = true;
    for (const w of this.open) {
      w.cut = true;
      w.abort.abort();
    }
  }

  reconnect(): void {
    this.down = false;
  }

  /** New watches deliver nothing at all (not even bookmarks) until their signal aborts. */
  hang(on: boolean): void {
    this.silent = on;
  }

  get: ApiClient['get'] = (...args) => this.inner.get(...args);
  create: ApiClient['create'] = (...args) => this.inner.create(...args);
  update: ApiClient['update'] = (...args) => this.inner.update(...args);
  patch: ApiClient['patch'] = (...args) => this.inner.patch(...args);
  delete: ApiClient['delete'] = (...args) => this.inner.delete(...args);

  list: ApiClient['list'] = async (type, options = {}) => {
    if (this.down) throw new UnavailableError('connection refused (test)');
    this.lists.push(options);
    return this.inner.list(type, options);
  };

  watch(type: ResourceType, options: ClientWatchOptions): AsyncIterable<ClientWatchEvent> {
    return { [Symbol.asyncIterator]: () => this.stream(type, options) };
  }

  private async *stream(type: ResourceType, options: ClientWatchOptions): AsyncGenerator<ClientWatchEvent> {
    if (this.down) throw new UnavailableError('connection refused (test)');
    this.watches.push(options);
    const conn = { abort: new AbortController(), cut: false };
    const onAbort = () => conn.abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) conn.abort.abort();
    this.open.add(conn);
    try {
      if (this.silent) {
        await new Promise<void>((resolve) => conn.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
      } else {
        for await (const event of this.inner.watch(type, { ...options, signal: conn.abort.signal })) yield event;
      }
      if (conn.cut) throw new UnavailableError('connection reset (test)');
    } finally {
      this.open.delete(conn);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
