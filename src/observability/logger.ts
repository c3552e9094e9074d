import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: `fatal`…`trace`, or `silent`. Default `info`. */
  readonly level?: string;
  /** Where JSON lines go; default stdout. */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * The process logger: pino JSON lines. Credentials never reach it: headers named like secrets and any
 * `token`, `password`, `secretKey`, `data` fields of logged objects are redacted.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'converge' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.token',
          '*.password',
          '*.secretKey',
          '*.secretAccessKey',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
