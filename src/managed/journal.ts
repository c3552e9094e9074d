/**
 * The per-resource journal of external actions (DESIGN §6): what was done to the backend, when, with what
 * result and how long it took. Bounded in memory: the newest entries per resource, and the most recently
 * touched resources, are kept; older ones are forgotten.
 */

/** Outcome of an external action. */
export const JournalResult = { Succeeded: 'Succeeded', Failed: 'Failed' } as const;
export type JournalResult = (typeof JournalResult)[keyof typeof JournalResult];

/** One external action on one resource. */
export interface JournalEntry {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Create, Update or Delete. */
  readonly action: string;
  readonly externalName: string;
  /** What was asked, e.g. the drifted paths an update corrects. */
  readonly summary?: string;
  /** RFC 3339 start time. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly result: JournalResult;
  /** Error message of a failed action. */
  readonly message?: string;
}

/** Reads a resource's journal. */
export interface JournalReader {
  /** The resource's entries, oldest first (empty when none were recorded or they expired). */
  list(kind: string, namespace: string | undefined, name: string): Promise<readonly JournalEntry[]>;
}

/** Where external actions are recorded. `record` never throws and never waits for storage. */
export interface Journal extends JournalReader {
  record(entry: JournalEntry): void;
}

/** A journal that keeps nothing. */
export const nopJournal: Journal = { record() {}, list: async () => [] };

/** Options of {@link MemoryJournal}. */
export interface MemoryJournalOptions {
  /** Entries kept per resource. Default 50. */
  readonly maxEntriesPerResource?: number;
  /** Resources kept (least recently recorded forgotten first). Default 10,000. */
  readonly maxResources?: number;
}

/** The bounded in-memory {@link Journal}. */
export class MemoryJournal implements Journal {
  private readonly byResource = new Map<string, JournalEntry[]>();
  private readonly maxEntries: number;
  private readonly maxResources: number;

  constructor(options: MemoryJournalOptions = {}) {
    this.maxEntries = options.maxEntriesPerResource ?? 50;
    this.maxResources = options.maxResources ?? 10_000;
  }

  record(entry: JournalEntry): void {
    const key = keyOf(entry.kind, entry.namespace, entry.name);
    const entries = this.byResource.get(key) ?? [];
    entries.push(entry);
    if (entries.length > this.maxEntries) entries.splice(0, entries.length - this.maxEntries);
    // Re-inserting moves the resource to the end: the map's order is least recently recorded first.
    this.byResource.delete(key);
    this.byResource.set(key, entries);
    while (this.byResource.size > this.maxResources) {
      const oldest = this.byResource.keys().next().value;
      if (oldest === undefined) break;
      this.byResource.delete(oldest);
    }
  }

  async list(kind: string, namespace: string | undefined, name: string): Promise<readonly JournalEntry[]> {
    return [...(this.byResource.get(keyOf(kind, namespace, name)) ?? [])];
  }
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
