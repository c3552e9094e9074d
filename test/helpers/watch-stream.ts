import { serverFetch } from './secure-fetch.js';

/** One decoded watch event. */
export interface WireEvent {
  readonly type: string;
  readonly object: { kind?: string; metadata: { name?: string; resourceVersion?: string }; code?: number; reason?: string; [k: string]: unknown };
}

/** A client-side watch over HTTP: `next()` resolves with the next event or rejects after a timeout. */
export interface WatchStream {
  readonly status: number;
  next(timeoutMs?: number): Promise<WireEvent>;
  /** Resolves with every event that arrives within `ms`. */
  collect(ms: number): Promise<WireEvent[]>;
  close(): void;
}

/** Opens `GET path` (which must include `watch=1`) and parses newline-delimited JSON events. */
export async function openWatch(baseUrl: string, path: string, accept?: string): Promise<WatchStream> {
  const controller = new AbortController();
  const res = await serverFetch(baseUrl + path, { signal: controller.signal, ...(accept ? { headers: { accept } } : {}) });
  const queue: WireEvent[] = [];
  const waiters: ((e: WireEvent) => void)[] = [];
  let buffer = '';
  const push = (e: WireEvent) => {
    const w = waiters.shift();
    if (w) w(e);
    else queue.push(e);
  };
  void (async () => {
    try {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) push(JSON.parse(line) as WireEvent);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    next(timeoutMs = 5000) {
      const e = queue.shift();
      if (e) return Promise.resolve(e);
      return new Promise<WireEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(onEvent);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no watch event within ${timeoutMs} ms`));
        }, timeoutMs);
        const onEvent = (ev: WireEvent) => {
          clearTimeout(timer);
          resolve(ev);
        };
        waiters.push(onEvent);
      });
    },
    async collect(ms: number) {
      await new Promise((r) => setTimeout(r, ms));
      return queue.splice(0, queue.length);
    },
    close() {
      controller.abort();
    },
  };
}
