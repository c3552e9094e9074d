import { isNotFound } from '../../errors/index.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, durationFlag, parseFlags } from '../flags.js';
import type { ApiClient } from '../../client/types.js';
import type { KubeObject } from '../../../schemas/object.js';
import type { ResourceType } from '../../../schemas/types.js';
import { readManifestArgs } from '../manifests.js';
import { objectRef, parseTargetGroups, qualifiedKind } from '../resource-arg.js';
import { notReadyReason } from '../wait.js';

const HELP = `Usage: converge delete (-f FILE|DIR|- | KIND NAME... | KIND/NAME...) [options]

Deletes objects. Objects with finalizers are marked for deletion and removed once their controllers release them;
a Volume or Network still used by an Instance is kept until that Instance is gone. With -f, objects are deleted in
the reverse of apply order, so Instances go before the Volumes and Networks they use.

Options:
  -f, --filename PATH       delete the objects in these manifests
  -R, --recursive           also the files in sub-directories of a directory
  --ignore-not-found        exit 0 for objects that do not exist
  --wait                    wait until objects with finalizers are gone (default true; --wait=false to return at once)
  --timeout DURATION        how long --wait waits (default 2m)
  --dry-run MODE            none (default) or server
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

const POLL_MS = 250;

/** Polls until the object is gone (its finalizers released): undefined then, or the object as last seen on timeout. */
async function waitUntilGone(client: ApiClient, t: { type: ResourceType; namespace: string | undefined; name: string }, timeoutMs: number): Promise<KubeObject | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let seen: KubeObject;
    try {
      seen = await client.get(t.type, t.namespace, t.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (Date.now() >= deadline) return seen;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Why a deleting object is still there: its Ready condition says (e.g. in use by an Instance), else its finalizers. */
function stillPresentReason(obj: KubeObject): string {
  const conditions = obj.status?.['conditions'];
  if (Array.isArray(conditions) && conditions.some((c) => c !== null && typeof c === 'object' && !Array.isArray(c) && c['type'] === 'Ready')) {
    return notReadyReason(obj);
  }
  return `its controller has not released it (finalizers: ${(obj.metadata.finalizers ?? []).join(', ')})`;
}

/** `converge delete`. Exit 1 when any object could not be deleted (or is missing without --ignore-not-found). */
export async function runDelete(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('delete', argv, {
    ...connectionOptions,
    filename: { type: 'string', short: 'f', multiple: true },
    recursive: { type: 'boolean', short: 'R', default: false },
    'ignore-not-found': { type: 'boolean', default: false },
    'dry-run': { type: 'string', default: 'none' },
    wait: { type: 'string', default: 'true' },
    timeout: { type: 'string', default: '2m' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values['dry-run'] !== 'none' && values['dry-run'] !== 'server') throw new CliError(`--dry-run: expected "none" or "server", got "${values['dry-run']}"`, 2);
  if (values.wait !== 'true' && values.wait !== 'false') throw new CliError(`--wait: expected true or false, got "${values.wait}"`, 2);
  const timeoutMs = durationFlag('timeout', values.timeout);
  const conn = connect(values);
  try {
    let targets;
    if (values.filename && values.filename.length > 0) {
      if (positionals.length > 0) throw new CliError('give either -f or KIND NAME, not both', 2);
      const manifests = await readManifestArgs(values.filename, conn.namespace, values.recursive === true);
      // Manifests come in apply order (what others reference first), so the reverse deletes users before what
      // they use: Instances go before their Volumes and Networks, whose deletion waits for them anyway.
      targets = manifests.reverse().map((m) => ({ type: m.type, namespace: m.object.metadata.namespace, name: m.object.metadata.name }));
    } else {
      const groups = parseTargetGroups(positionals);
      const unnamed = groups.find((g) => g.names.length === 0);
      if (unnamed) throw new CliError(`delete: name the ${unnamed.type.plural} to delete, or use -f`, 2);
      targets = groups.flatMap(({ type, names }) => names.map((name) => ({ type, namespace: type.namespaced ? conn.namespace : undefined, name })));
    }
    const dryRun = values['dry-run'] === 'server';
    let failed = 0;
    for (const t of targets) {
      const ref = objectRef(t.type, t.name);
      try {
        const remaining = await conn.client.delete(t.type, t.namespace, t.name, { dryRun });
        let pending = remaining?.metadata.deletionTimestamp !== undefined && (remaining.metadata.finalizers ?? []).length > 0;
        let lastSeen: KubeObject | undefined;
        if (pending && !dryRun && values.wait === 'true') {
          lastSeen = await waitUntilGone(conn.client, t, timeoutMs);
          pending = lastSeen !== undefined;
        }
        const what = pending ? `marked for deletion (waiting for finalizers: ${(remaining?.metadata.finalizers ?? []).join(', ')})` : 'deleted';
        process.stdout.write(`${qualifiedKind(t.type)} "${t.name}" ${what}${dryRun ? ' (server dry run)' : ''}\n`);
        if (lastSeen !== undefined) {
          failed++;
          process.stderr.write(`error: ${ref}: still present after ${values.timeout}: ${stillPresentReason(lastSeen)}\n`);
        }
      } catch (err) {
        if (isNotFound(err) && values['ignore-not-found']) continue;
        failed++;
        process.stderr.write(`error: ${ref}: ${(err as Error).message}\n`);
      }
    }
    return failed === 0 ? 0 : 1;
  } finally {
    conn.client.close();
  }
}
