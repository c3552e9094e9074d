import { isDeepStrictEqual } from 'node:util';
import { resourceTypes } from '../../../schemas/index.js';
import type { KubeObject } from '../../../schemas/object.js';
import type { ResourceType } from '../../../schemas/types.js';
import type { HttpApiClient } from '../../client/http.js';
import { ConvergeError, isConflict, isNotFound } from '../../errors/index.js';
import type { ResolvedManifest } from '../../manifests/resolve.js';
import { isNoOpApply } from '../apply-skip.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, durationFlag, mapLimit, parseFlags } from '../flags.js';
import { readManifestArgs } from '../manifests.js';
import { objectRef } from '../resource-arg.js';
import { waitForReady } from '../wait.js';

/** The field manager `converge apply` owns its fields as. */
export const APPLY_FIELD_MANAGER = 'converge';
const CONCURRENCY = 16;

const HELP = `Usage: converge apply -f FILE|DIR|- [options]

Server-side applies every object in the manifests (multi-document YAML; the files of a directory, its
sub-directories too with -R), ordered so that
ProviderConfigs, Pools, Networks and Volumes come before the Instances that use them. Every document is
validated first: if any is invalid, nothing is applied. An object whose apply would change nothing (same values,
same fields owned by "converge") is reported unchanged without sending it; --dry-run and --force-conflicts always
send every object.

Options:
  -f, --filename PATH   file, directory or - (stdin); repeatable
  -R, --recursive       also the files in sub-directories of a directory (as kubectl's -R)
  --dry-run MODE        none (default) or server: run every server check, write nothing
  --force-conflicts     take ownership of fields another manager owns
  --prune               delete objects matching -l that are not in the manifests
  -l, --selector SEL    label selector for --prune (required with --prune)
  --wait                wait until every applied object is Ready
  --timeout DURATION    how long --wait waits (default 5m)
  -n, --namespace NS    namespace for objects that name none
  --server URL | --kubeconfig PATH
`;

type Outcome = 'created' | 'configured' | 'unchanged';

/** Existing objects per type+namespace, read once with a LIST so outcomes need no extra GET per object. */
async function existingObjects(client: HttpApiClient, objects: readonly ResolvedManifest[]): Promise<Map<string, KubeObject>> {
  const scopes = new Map<string, { type: ResourceType; namespace: string | undefined }>();
  for (const o of objects) scopes.set(`${o.type.plural}/${o.object.metadata.namespace ?? ''}`, { type: o.type, namespace: o.object.metadata.namespace });
  const versions = new Map<string, KubeObject>();
  for (const { type, namespace } of scopes.values()) {
    let cont: string | undefined;
    do {
      const page = await client.list(type, { ...(namespace ? { namespace } : {}), limit: 500, ...(cont ? { continue: cont } : {}) });
      for (const item of page.items) versions.set(keyOf(type, item), item);
      cont = page.continue;
    } while (cont);
  }
  return versions;
}

function keyOf(type: ResourceType, obj: KubeObject): string {
  return `${type.plural}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/**
 * What this apply changed, judged on what the applier owns rather than on resourceVersion: controllers keep
 * writing status and finalizers, so a resourceVersion moves even when the apply itself changed nothing.
 */
export function applyOutcome(before: KubeObject | undefined, after: KubeObject): Outcome {
  if (before === undefined) return 'created';
  const mine = (o: KubeObject) => o.metadata.managedFields?.find((m) => m.manager === APPLY_FIELD_MANAGER && m.operation === 'Apply')?.fieldsV1;
  const same =
    isDeepStrictEqual(before.spec, after.spec) &&
    isDeepStrictEqual(before.metadata.labels, after.metadata.labels) &&
    isDeepStrictEqual(before.metadata.annotations, after.metadata.annotations) &&
    isDeepStrictEqual(mine(before), mine(after));
  return same ? 'unchanged' : 'configured';
}

function conflictMessage(ref: string, err: ConvergeError): string {
  const fields = err.causes.map((c) => `${c.field} (${c.message})`).join(', ');
  return `${ref}: apply conflict: ${fields || err.message}; another field manager owns these fields — re-run with --force-conflicts to take them over`;
}

/** `converge apply`. Exit 0 when every object applied, 1 when any failed. */
export async function runApply(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags('apply', argv, {
    ...connectionOptions,
    filename: { type: 'string', short: 'f', multiple: true },
    recursive: { type: 'boolean', short: 'R', default: false },
    'dry-run': { type: 'string', default: 'none' },
    'force-conflicts': { type: 'boolean', default: false },
    prune: { type: 'boolean', default: false },
    selector: { type: 'string', short: 'l' },
    wait: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '5m' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const dryRunMode = values['dry-run'];
  if (dryRunMode !== 'none' && dryRunMode !== 'server') throw new CliError(`--dry-run: expected "none" or "server", got "${dryRunMode}"`, 2);
  if (values.prune && !values.selector) throw new CliError('--prune requires -l/--selector so that only objects you label are ever deleted', 2);
  const timeoutMs = durationFlag('timeout', values.timeout);
  const conn = connect(values);
  const dryRun = dryRunMode === 'server';
  const suffix = dryRun ? ' (server dry run)' : '';
  try {
    const objects = await readManifestArgs(values.filename ?? [], conn.namespace, values.recursive);
    const existing = await existingObjects(conn.client, objects);
    // A dry run is asked for every server check, and a forced apply is rare and deliberate: both always PATCH.
    const maySkip = !dryRun && !values['force-conflicts'];
    let failed = 0;
    const applied: { type: ResourceType; object: KubeObject }[] = [];
    // Kinds are applied rank by rank so that referenced objects exist before their users.
    const ranks = [...new Set(objects.map((o) => o.type.kind))];
    for (const kind of ranks) {
      const batch = objects.filter((o) => o.type.kind === kind);
      await mapLimit(batch, CONCURRENCY, async (m) => {
        const ref = objectRef(m.type, m.object.metadata.name);
        const live = existing.get(keyOf(m.type, m.object));
        if (maySkip && live !== undefined && isNoOpApply({ live, manifest: m.object, manager: APPLY_FIELD_MANAGER })) {
          // The server would write nothing and answer with `live`: same outcome, without the round trip.
          process.stdout.write(`${ref} unchanged\n`);
          applied.push({ type: m.type, object: live });
          return;
        }
        try {
          const result = await conn.client.patch(m.type, m.object.metadata.namespace, m.object.metadata.name, { type: 'apply', body: m.object }, {
            fieldManager: APPLY_FIELD_MANAGER,
            force: values['force-conflicts'],
            dryRun,
          });
          const outcome = applyOutcome(live, result);
          process.stdout.write(`${ref} ${outcome}${suffix}\n`);
          applied.push({ type: m.type, object: result });
        } catch (err) {
          failed++;
          if (err instanceof ConvergeError && isConflict(err) && err.causes.length > 0) process.stderr.write(`error: ${m.source}:${m.line}: ${conflictMessage(ref, err)}\n`);
          else process.stderr.write(`error: ${m.source}:${m.line}: ${ref}: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      });
    }
    if (values.prune && values.selector && failed === 0) failed += await prune(conn.client, objects, values.selector, dryRun, suffix);
    if (values.wait && !dryRun && failed === 0) return (await waitForReady(conn.client, applied, timeoutMs)) ? 0 : 1;
    return failed === 0 ? 0 : 1;
  } finally {
    conn.client.close();
  }
}

/** Deletes objects of every kind that match `selector` in the applied namespaces but are not in the manifests. */
async function prune(client: HttpApiClient, objects: readonly ResolvedManifest[], selector: string, dryRun: boolean, suffix: string): Promise<number> {
  const keep = new Set(objects.map((o) => keyOf(o.type, o.object)));
  const namespaces = new Set(objects.map((o) => o.object.metadata.namespace).filter((n): n is string => n !== undefined));
  let failed = 0;
  for (const type of resourceTypes) {
    const scopes = type.namespaced ? [...namespaces] : [undefined];
    for (const namespace of scopes) {
      const page = await client.list(type, { ...(namespace ? { namespace } : {}), labelSelector: selector });
      for (const item of page.items) {
        if (keep.has(keyOf(type, item))) continue;
        try {
          await client.delete(type, item.metadata.namespace, item.metadata.name, { dryRun });
          process.stdout.write(`${objectRef(type, item.metadata.name)} pruned${suffix}\n`);
        } catch (err) {
          if (isNotFound(err)) continue;
          failed++;
          process.stderr.write(`error: pruning ${objectRef(type, item.metadata.name)}: ${(err as Error).message}\n`);
        }
      }
    }
  }
  return failed;
}
