import { runServe } from './serve.js';
import { CliError, reportError } from './errors.js';
import { CONVERGE_VERSION } from '../apiserver/version.js';

const USAGE = `converge — declarative control plane for private-cloud infrastructure

Usage:
  converge serve [--data-dir DIR] [--store URL] [--listen HOST:PORT] [--log-level LEVEL]
  converge version

Run "converge COMMAND --help" for a command's options.`;

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await runServe(rest);
      case 'version':
      case '--version':
        process.stdout.write(`converge ${CONVERGE_VERSION}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"; run "converge --help"`, 2);
    }
  } catch (err) {
    return reportError(err);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err);
    },
  );
}
