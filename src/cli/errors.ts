import { ConvergeError } from '../errors/index.js';

/** An error the CLI reports as one line with a chosen exit code (2 = usage, 1 = failure). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * Prints an error as one readable line on stderr — never a stack trace — and returns the exit code.
 * Set `CONVERGE_DEBUG=1` to see the stack of unexpected errors.
 */
export function reportError(err: unknown): number {
  if (err instanceof CliError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ConvergeError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const c of err.causes) process.stderr.write(`  ${c.field}: ${c.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  if (process.env['CONVERGE_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}
