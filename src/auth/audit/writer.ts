/**
 * The audit log file: lines are queued and appended asynchronously in batches, so a request never waits for
 * the disk; a file that cannot be written (disk full, directory gone) costs the lines (counted in
 * `apiserver_audit_error_total`, kube's metric) and never the request. Size-based rotation renames
 * `audit.log` to `audit.log.1`, `.1` to `.2`, … keeping `maxBackups` old files. Lines still queued at exit
 * are written synchronously, so a shutdown loses nothing.
 */
import { appendFileSync, statSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { Counter, type Registry } from 'prom-client';

/** Default size at which the log is rotated (kube's `--audit-log-maxsize` is in megabytes too). */
export const DEFAULT_AUDIT_MAX_SIZE_MB = 100;
/** Default number of rotated files kept. */
export const DEFAULT_AUDIT_MAX_BACKUPS = 5;
/** Lines waiting for the disk beyond this are dropped rather than letting memory grow without bound. */
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Write failures are reported at most this often (a full disk would otherwise log once per request). */
const ERROR_REPORT_INTERVAL_MS = 10_000;

/**
 * Synchronous flushes of the open writers, run by one shared exit listener (a listener per writer would trip
 * Node's listener-leak warning in tests that start many servers).
 */
const exitFlushes = new Map<AuditLogWriter, () => void>();
let exitHooked = false;
function flushAtExit(writer: AuditLogWriter, flushSync: () => void): void {
  exitFlushes.set(writer, flushSync);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const flush of exitFlushes.values()) flush();
  });
}

/** Options of {@link AuditLogWriter}. */
export interface AuditLogWriterOptions {
  /** File to append to (created with mode 0600), or `-` for standard output. */
  readonly path: string;
  /** Rotate before the file would exceed this many bytes; 0 never rotates. Default 100 MiB. */
  readonly maxSizeBytes?: number;
  /** Rotated files kept (`<path>.1` newest … `<path>.N` oldest); 0 keeps none. Default {@link DEFAULT_AUDIT_MAX_BACKUPS}. */
  readonly maxBackups?: number;
  /** Bound of the in-memory queue. */
  readonly maxBufferedBytes?: number;
  /** Told about write failures (rate-limited); the lines involved are dropped and counted. */
  readonly onError?: (err: unknown) => void;
  /** Stream used for `-` (default process.stdout). */
  readonly stdout?: NodeJS.WritableStream & { readonly fd?: number };
}

/** See the module comment. */
export class AuditLogWriter {
  readonly path: string;
  readonly #maxSize: number;
  readonly #maxBackups: number;
  readonly #maxBuffered: number;
  readonly #onError: (err: unknown) => void;
  readonly #stdout: NodeJS.WritableStream & { readonly fd?: number };
  #queue: string[] = [];
  #queuedBytes = 0;
  #draining: Promise<void> | undefined;
  #file: FileHandle | undefined;
  #size = 0;
  #closed = false;
  #lastErrorReportMs = 0;
  readonly #written = new Counter({ name: 'apiserver_audit_event_total', help: 'Audit events written to the audit log.', registers: [] });
  readonly #errors = new Counter({
    name: 'apiserver_audit_error_total',
    help: 'Audit events dropped: the log could not be written or its queue was full.',
    labelNames: ['plugin'],
    registers: [],
  });
  #writtenCount = 0;
  /** Lines taken off the queue for writing, and how many of them are known written (for errors and exit). */
  #batch: readonly string[] = [];
  #batchWritten = 0;
  /** The write in progress: its bytes and the file offset they go to, so an exit can tell how much landed. */
  #inflight: { readonly data: Buffer; readonly offset: number; readonly lines: number } | undefined;
  #droppedCount = 0;

  constructor(options: AuditLogWriterOptions) {
    this.path = options.path;
    this.#maxSize = options.maxSizeBytes ?? DEFAULT_AUDIT_MAX_SIZE_MB * 1024 * 1024;
    this.#maxBackups = options.maxBackups ?? DEFAULT_AUDIT_MAX_BACKUPS;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#onError = options.onError ?? (() => undefined);
    this.#stdout = options.stdout ?? process.stdout;
    flushAtExit(this, () => this.#writeQueuedSync());
  }

  /** Adds `apiserver_audit_event_total` and `apiserver_audit_error_total` to `registry`. */
  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.#written);
    registry.registerMetric(this.#errors);
  }

  /** Lines written and dropped so far. */
  get stats(): { readonly written: number; readonly dropped: number } {
    return { written: this.#writtenCount, dropped: this.#droppedCount };
  }

  /** Queues one line (without its newline). Never throws and never waits. */
  write(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.#closed || this.#queuedBytes + bytes > this.#maxBuffered) {
      this.#drop(1, this.#closed ? undefined : new Error(`audit log queue over ${this.#maxBuffered} bytes: the disk is not keeping up`));
      return;
    }
    this.#queue.push(line);
    this.#queuedBytes += bytes;
    this.#startDrain();
  }

  /** Resolves once every line queued so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  /** Writes what is queued, closes the file and refuses (drops) later lines. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    await this.#closeFile();
    exitFlushes.delete(this);
  }

  #startDrain(): void {
    if (this.#draining !== undefined) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // Lines queued between the loop's last check and here would otherwise wait for the next write.
      if (this.#queue.length > 0) this.#startDrain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const lines = this.#queue;
      this.#batch = lines;
      this.#queue = [];
      this.#queuedBytes = 0;
      try {
        if (this.path === '-') await this.#writeStdout(lines);
        else await this.#writeFile(lines);
      } catch (err) {
        await this.#closeFile();
        // Lines of the batch that made it were counted by #writeFile; the rest are lost.
        this.#drop(lines.length - this.#batchWritten, err);
      }
      this.#batch = [];
      this.#batchWritten = 0;
      this.#inflight = undefined;
    }
  }

  async #writeStdout(lines: readonly string[]): Promise<void> {
    const data = `${lines.join('\n')}\n`;
    const written = new Promise<void>((resolve, reject) => {
      this.#stdout.write(data, (err) => (err ? reject(err) : resolve()));
    });
    // The stream holds the data now (stdout to a file or pipe even writes it synchronously): an exit keeps it.
    this.#count(lines.length);
    await written;
  }

  /** Appends `lines`, rotating between lines so that no file grows past the size limit (unless one line does). */
  async #writeFile(lines: readonly string[]): Promise<void> {
    const file = this.#file ?? (await this.#openFile());
    let chunk: string[] = [];
    let chunkBytes = 0;
    const flushChunk = async () => {
      if (chunk.length === 0) return;
      const data = Buffer.from(`${chunk.join('\n')}\n`);
      this.#inflight = { data, offset: this.#size, lines: chunk.length };
      await (this.#file ?? file).write(data);
      this.#inflight = undefined;
      this.#size += chunkBytes;
      this.#count(chunk.length);
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      const bytes = Buffer.byteLength(line) + 1;
      if (this.#maxSize > 0 && this.#size + chunkBytes + bytes > this.#maxSize && this.#size + chunkBytes > 0) {
        await flushChunk();
        await this.#rotate();
      }
      chunk.push(line);
      chunkBytes += bytes;
    }
    await flushChunk();
  }

  async #openFile(): Promise<FileHandle> {
    const file = await open(this.path, 'a', 0o600);
    try {
      // An existing file keeps its mode on open; audit lines name users and objects, so make it private.
      await file.chmod(0o600);
      this.#size = (await file.stat()).size;
    } catch (err) {
      await file.close();
      throw err;
    }
    this.#file = file;
    return file;
  }

  async #rotate(): Promise<void> {
    await this.#closeFile();
    for (let i = this.#maxBackups - 1; i >= 1; i--) await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    if (this.#maxBackups >= 1) await rename(this.path, `${this.path}.1`);
    else await unlink(this.path);
    await this.#openFile();
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file !== undefined) await file.close().catch(() => undefined);
  }

  #count(n: number): void {
    this.#writtenCount += n;
    this.#batchWritten += n;
    this.#written.inc(n);
  }

  #drop(n: number, err: unknown): void {
    if (n <= 0) return;
    this.#droppedCount += n;
    this.#errors.inc({ plugin: 'log' }, n);
    const now = Date.now();
    if (err !== undefined && now - this.#lastErrorReportMs >= ERROR_REPORT_INTERVAL_MS) {
      this.#lastErrorReportMs = now;
      this.#onError(err);
    }
  }

  /**
   * At process exit no more I/O callbacks run: writes synchronously what the async writer has not, in order —
   * the unwritten part of a write in progress (the file's size tells how much of it landed, since this
   * writer alone appends to it), the rest of the batch, then the queue.
   */
  #writeQueuedSync(): void {
    let rest = this.#batch.slice(this.#batchWritten);
    let head: Buffer | undefined;
    const inflight = this.#inflight;
    if (inflight !== undefined && this.path !== '-') {
      const landed = fileSize(this.path) - inflight.offset;
      if (landed > 0) {
        rest = rest.slice(inflight.lines);
        if (landed < inflight.data.length) head = inflight.data.subarray(landed);
        this.#count(inflight.lines);
      }
    }
    const lines = [...rest, ...this.#queue];
    this.#batch = [];
    this.#batchWritten = 0;
    this.#inflight = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (lines.length === 0 && head === undefined) return;
    const data = Buffer.concat([head ?? Buffer.alloc(0), Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '')]);
    try {
      if (this.path === '-') writeSync(this.#stdout.fd ?? 1, data);
      else appendFileSync(this.path, data, { mode: 0o600 });
      this.#count(lines.length);
    } catch (err) {
      this.#drop(lines.length, err);
    }
  }
}

/** Size of the file at `path`, 0 if it does not exist. */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
