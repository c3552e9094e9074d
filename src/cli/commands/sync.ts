/**
 * `converge sync DIR [--watch]`: applies a local directory the way a GitRepository applies a checkout — the
 * same engine (src/gitops/sync.ts) and safety rules — once, or on every save with `--watch` (chokidar,
 * debounced). Objects are labelled as coming from this directory, so `--prune` only deletes what an earlier
 * `converge sync` of the same `--name` applied.
 */
import { basename, resolve } from 'node:path';
import { watch } from 'chokidar';
import type { InventoryEntry } from '../../../schemas/gitrepository.js';
import { DEFAULT_MAX_PRUNE_PERCENT } from '../../../schemas/gitrepository.js';
import { resourceTypes } from '../../../schemas/index.js';
import type { ApiClient } from '../../client/types.js';
import { entryRef, inventoryEntry, OwnerSource, ownerSelector, type Owner } from '../../gitops/owner.js';
import { SyncOutcome, syncTree, type SyncResult } from '../../gitops/sync.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';

/** Quiet time after the last change before a sync starts (editors write several files and temp files). */
export const WATCH_DEBOUNCE_MS = 300;

const HELP = `Usage: converge sync DIR [--watch] [--prune] [options]

Validates every *.yaml/*.yml under DIR and server-side applies them (field manager converge-gitops), with
the rules of a GitRepository: if any manifest is invalid nothing is applied; a directory with no objects
never prunes; a prune over --max-prune-percent of what was applied before deletes nothing.

Options:
  --watch                  keep running and sync again ${WATCH_DEBOUNCE_MS} ms after files stop changing (Ctrl-C stops)
  --prune                  delete objects an earlier sync of this --name applied that left DIR
  --max-prune-percent N    deletion budget for --prune, 0-100 (default ${DEFAULT_MAX_PRUNE_PERCENT})
  --name NAME              identity of this directory in the objects' labels (default: DIR's base name)
  -n, --namespace NS       namespace for objects that name none
  --server URL | --kubeconfig PATH
`;

/** Inventory of what earlier syncs of `owner` applied: every object carrying its labels. */
async function previousInventory(client: ApiClient, owner: Owner): Promise<InventoryEntry[]> {
  const entries: InventoryEntry[] = [];
  for (const type of resourceTypes) {
    let cont: string | undefined;
    do {
      const page = await client.list(type, { labelSelector: ownerSelector(owner), limit: 500, ...(cont ? { continue: cont } : {}) });
      for (const item of page.items) entries.push(inventoryEntry(type, item));
      cont = page.continue;
    } while (cont);
  }
  return entries;
}

function report(result: SyncResult, dir: string): boolean {
  const time = new Date().toISOString().slice(11, 19);
  for (const e of result.errors) process.stderr.write(`error: ${e.file === '' ? '' : `${e.file}${e.line > 0 ? `:${e.line}` : ''}: `}${e.message}\n`);
  const ok = result.outcome === SyncOutcome.Applied;
  const line = ok && result.applied.length > 0 ? `${result.message}: ${result.applied.map(entryRef).join(', ')}` : result.message;
  (ok ? process.stdout : process.stderr).write(`${time} ${ok ? 'synced' : 'not synced'} ${dir}: ${line}\n`);
  return ok;
}

function percentFlag(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_PRUNE_PERCENT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 100) throw new CliError(`--max-prune-percent: expected a whole number from 0 to 100, got "${text}"`, 2);
  return n;
}

/** `converge sync`. Exit 0 when the (last) sync applied everything, 1 otherwise; with --watch, 0 on Ctrl-C. */
export async function runSync(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('sync', argv, {
    ...connectionOptions,
    watch: { type: 'boolean', default: false },
    prune: { type: 'boolean', default: false },
    'max-prune-percent': { type: 'string' },
    name: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] === undefined) throw new CliError('sync: give exactly one directory, e.g. converge sync --watch ./manifests', 2);
  const dir = resolve(positionals[0]);
  const maxPrunePercent = percentFlag(values['max-prune-percent']);
  const conn = connect(values);
  const owner: Owner = { source: OwnerSource.Directory, namespace: conn.namespace, name: values.name ?? basename(dir) };
  const once = async (): Promise<boolean> => {
    try {
      const result = await syncTree({
        client: conn.client,
        root: dir,
        path: '.',
        owner,
        defaultNamespace: conn.namespace,
        previous: values.prune ? await previousInventory(conn.client, owner) : [],
        prune: values.prune,
        maxPrunePercent,
      });
      return report(result, positionals[0] ?? dir);
    } catch (err) {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      return false;
    }
  };
  try {
    if (!values.watch) return (await once()) ? 0 : 1;
    return await watchLoop(dir, once);
  } finally {
    conn.client.close();
  }
}

/** Syncs once the watcher is ready, then after every burst of changes, one sync at a time, until SIGINT/SIGTERM; resolves 0. */
async function watchLoop(dir: string, once: () => Promise<boolean>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  // Syncs run one after another; changes during a sync queue exactly one more, which sees all of them.
  let running: Promise<unknown> = Promise.resolve();
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    running = running.then(() => {
      queued = false;
      return once();
    });
  };
  // Ctrl-C is a normal way to stop: listen before anything else can take time.
  const stopped = new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const watcher = watch(dir, {
    ignoreInitial: true,
    // Hidden files and directories (.git, editor swap files) never trigger a sync.
    ignored: (path: string) => path !== dir && /(^|[/\\])\./.test(path.slice(dir.length)),
  });
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(schedule, WATCH_DEBOUNCE_MS);
  });
  watcher.on('error', (err: unknown) => process.stderr.write(`error: watching ${dir}: ${err instanceof Error ? err.message : String(err)}\n`));
  // Changes made before the initial scan completes would be missed: sync only once the watcher is ready.
  const ready = await Promise.race([new Promise<boolean>((resolveReady) => watcher.once('ready', () => resolveReady(true))), stopped.then(() => false)]);
  if (!ready) {
    await watcher.close();
    return 0;
  }
  process.stdout.write(`watching ${dir} (Ctrl-C to stop)\n`);
  schedule();
  await stopped;
  clearTimeout(timer);
  await watcher.close();
  await running.catch(() => undefined);
  return 0;
}
