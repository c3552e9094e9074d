/**
 * The journal kept in the store, next to the objects (`/converge/journal/<Kind>/<namespace>/<name>`, one key
 * per resource holding its newest entries), so `converge journal` works from any replica and after restarts.
 * Writes are asynchronous and serialised per resource; a failed write is logged and dropped — the journal is
 * a record of what happened, never a reason for a reconcile to fail.
 */
import type { Logger } from '../observability/logger.js';
import { isAlreadyExists, isConflict, isNotFound } from '../errors/index.js';
import type { Backend } from '../store/types.js';
import type { Journal, JournalEntry } from './journal.js';

/** Key prefix of journal entries in the store. */
export const JOURNAL_PREFIX = '/converge/journal/';
/** Entries kept per resource by default. */
export const DEFAULT_JOURNAL_ENTRIES = 50;

/** The store key of a resource's journal. Cluster-scoped resources use the namespace segment `_`. */
export function journalKey(kind: string, namespace: string | undefined, name: string): string {
  return `${JOURNAL_PREFIX}${kind}/${namespace ?? '_'}/${name}`;
}

/** Options of {@link BackendJournal}. */
export interface BackendJournalOptions {
  readonly backend: Backend;
  readonly logger: Logger;
  /** Entries kept per resource (oldest dropped first). Default 50. */
  readonly maxEntries?: number;
}

function parseEntries(value: string): JournalEntry[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as JournalEntry[]) : [];
  } catch {
    return [];
  }
}

/** See the module comment. */
export class BackendJournal implements Journal {
  private readonly backend: Backend;
  private readonly logger: Logger;
  private readonly maxEntries: number;
  /** Pending entries and the write in flight, per key: entries recorded meanwhile go out in one write. */
  private readonly pending = new Map<string, JournalEntry[]>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(options: BackendJournalOptions) {
    this.backend = options.backend;
    this.logger = options.logger;
    this.maxEntries = options.maxEntries ?? DEFAULT_JOURNAL_ENTRIES;
  }

  record(entry: JournalEntry): void {
    const key = journalKey(entry.kind, entry.namespace, entry.name);
    const queue = this.pending.get(key);
    if (queue !== undefined) queue.push(entry);
    else this.pending.set(key, [entry]);
    if (!this.writing.has(key)) this.writing.set(key, this.drain(key));
  }

  async list(kind: string, namespace: string | undefined, name: string): Promise<readonly JournalEntry[]> {
    const kv = await this.backend.get(journalKey(kind, namespace, name));
    return kv === undefined ? [] : parseEntries(kv.value);
  }

  /** Resolves once every entry recorded so far is written (or dropped after an error). */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  private async drain(key: string): Promise<void> {
    try {
      for (let batch = this.pending.get(key); batch !== undefined; batch = this.pending.get(key)) {
        this.pending.delete(key);
        await this.append(key, batch);
      }
    } finally {
      this.writing.delete(key);
    }
  }

  private async append(key: string, batch: readonly JournalEntry[]): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const current = await this.backend.get(key);
        const entries = [...(current === undefined ? [] : parseEntries(current.value)), ...batch].slice(-this.maxEntries);
        const value = JSON.stringify(entries);
        if (current === undefined) await this.backend.create(key, value);
        else await this.backend.update(key, value, current.modRevision);
        return;
      } catch (err) {
        // Another writer (a previous leader finishing up) got there first: read again and retry.
        if (isConflict(err) || isAlreadyExists(err) || isNotFound(err)) continue;
        this.logger.warn({ err, key, dropped: batch.length }, 'journal write failed; entries dropped');
        return;
      }
    }
    this.logger.warn({ key, dropped: batch.length }, 'journal write kept conflicting; entries dropped');
  }
}

/**
 * Deletes the journals of resources that no longer exist once their newest entry is older than `ttlMs`
 * (so the story of a deleted resource stays readable for a while, like its Events). Resolves with the
 * number deleted.
 */
export async function sweepJournals(
  backend: Backend,
  options: { readonly ttlMs: number; readonly now?: number; exists(kind: string, namespace: string | undefined, name: string): Promise<boolean> },
): Promise<number> {
  const now = options.now ?? Date.now();
  let deleted = 0;
  let startAfter: string | undefined;
  for (;;) {
    const page = await backend.range({ prefix: JOURNAL_PREFIX, limit: 500, ...(startAfter !== undefined ? { startAfter } : {}) });
    for (const kv of page.kvs) {
      const [kind, ns, name] = kv.key.slice(JOURNAL_PREFIX.length).split('/');
      if (kind === undefined || ns === undefined || name === undefined) continue;
      const last = parseEntries(kv.value).at(-1);
      const at = last === undefined ? 0 : Date.parse(last.startedAt) + last.durationMs;
      if (now - at < options.ttlMs) continue;
      if (await options.exists(kind, ns === '_' ? undefined : ns, name)) continue;
      try {
        await backend.delete(kv.key, kv.modRevision);
        deleted++;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    if (!page.more || page.kvs.length === 0) return deleted;
    startAfter = page.kvs[page.kvs.length - 1]!.key;
  }
}
