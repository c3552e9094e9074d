import { CliError, reportError } from './errors.js';
import { CONVERGE_VERSION } from '../apiserver/version.js';

const USAGE = `converge — declarative control plane for private-cloud infrastructure

Usage:
  converge serve [--data-dir DIR] [--store URL] [--listen HOST:PORT]   run the control plane
  converge apply -f FILE|DIR|- [--dry-run=server] [--prune -l SEL] [--wait]
  converge get KIND [NAME...] [-o wide|yaml|json|name] [-l SEL] [-A] [-w]
  converge describe KIND NAME
  converge events [-n NS | -A] [--for KIND/NAME] [-w]
  converge diff -f FILE|DIR|-
  converge delete (-f FILE|DIR|- | KIND NAME...)
  converge drift [-n NS] [-o json|yaml] [--exit-code]
  converge journal KIND/NAME [-o json|yaml]   external actions taken for a resource
  converge sim get|drift|delete ...        inspect or change the simulated cloud (drift injection)
  converge sync DIR [--watch] [--prune]    apply a directory (GitOps rules); --watch applies on save
  converge secrets rotate-key|promote-key|remove-key|reencrypt   keys encrypting Secrets at rest
  converge token create|list|revoke        bearer tokens the server accepts (--data-dir)
  converge cert create --user U [--group G]   a client certificate signed by the cluster CA
  converge version

Client commands find the server through --server URL, --kubeconfig, $KUBECONFIG,
./.converge/kubeconfig.yaml (written by "converge serve") or ~/.kube/config.

Run "converge COMMAND --help" for a command's options.`;

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Commands load lazily: the Kubernetes client alone takes ~0.5 s to import and `serve` never needs it.
      case 'serve':
        return await (await import('./serve.js')).runServe(rest);
      case 'apply':
        return await (await import('./commands/apply.js')).runApply(rest);
      case 'get':
        return await (await import('./commands/get.js')).runGet(rest);
      case 'describe':
        return await (await import('./commands/describe.js')).runDescribe(rest);
      case 'events':
        return await (await import('./commands/events.js')).runEvents(rest);
      case 'diff':
        return await (await import('./commands/diff.js')).runDiff(rest);
      case 'delete':
        return await (await import('./commands/delete.js')).runDelete(rest);
      case 'drift':
        return await (await import('./commands/drift.js')).runDrift(rest);
      case 'journal':
        return await (await import('./commands/journal.js')).runJournal(rest);
      case 'sim':
        return await (await import('./commands/sim.js')).runSim(rest);
      case 'sync':
        return await (await import('./commands/sync.js')).runSync(rest);
      case 'secrets':
        return await (await import('./commands/secrets.js')).runSecrets(rest);
      case 'token':
        return await (await import('./commands/token.js')).runToken(rest);
      case 'cert':
        return await (await import('./commands/cert.js')).runCert(rest);
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
