import type { Backend } from '../store/types.js';

/** What every registry verb needs: the store and a clock (injectable so tests control time). */
export interface RegistryContext {
  readonly backend: Backend;
  /** Current time; defaults to `() => new Date()`. */
  readonly now: () => Date;
  /** Generates object uids; defaults to `crypto.randomUUID`. */
  readonly newUid: () => string;
}

/** Options common to every write verb. */
export interface WriteOptions {
  /** `dryRun=All`: run every check and return the result, but write nothing. */
  readonly dryRun?: boolean;
  /**
   * Field manager of this write: its `Update` entry in `metadata.managedFields` takes ownership of the fields
   * the write changed. Undefined = managedFields are left as the object carries them (server-side apply
   * computes its own).
   */
  readonly fieldManager?: string;
  /** How unknown fields are treated (`fieldValidation`); default Strict. Warnings are returned via `warn`. */
  readonly unknownFields?: 'Strict' | 'Warn' | 'Ignore';
  /** Receives `unknown field` warnings in Warn mode (sent to clients as `Warning` headers). */
  readonly warn?: (message: string) => void;
}

/** Formats a time the way Kubernetes does in metadata (RFC 3339, second precision, UTC). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
