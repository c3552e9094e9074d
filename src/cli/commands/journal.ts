/**
 * `converge journal KIND/NAME`: the external actions Converge took for one managed resource — create, update,
 * delete — with when, how long, the result and the error, oldest first (from the `journal` subresource).
 */
import { stringify } from 'yaml';
import type { JournalEntry } from '../../managed/journal.js';
import { resourcePath } from '../../client/paths.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { parseTargets } from '../resource-arg.js';
import { alignRows } from '../table-print.js';

const HELP = `Usage: converge journal KIND/NAME [options]

Lists the external actions taken for a managed resource (instances, volumes, buckets, networks):
what was done to the backend, when, how long it took and with what result. Observations are not
journaled. Kept in the store: the newest 50 per resource, for an hour after the resource is deleted.

Options:
  -o, --output FORMAT   json or yaml (default: a table)
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

interface JournalList {
  readonly items: readonly JournalEntry[];
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** The table `converge journal` prints (header first). */
export function journalTable(entries: readonly JournalEntry[]): string {
  const header = ['STARTED', 'ACTION', 'RESULT', 'DURATION', 'EXTERNAL NAME', 'DETAILS'];
  const rows = entries.map((e) => [e.startedAt, e.action, e.result, duration(e.durationMs), e.externalName, (e.message ?? e.summary ?? '').replace(/\s+/g, ' ')]);
  return alignRows([header, ...rows]);
}

/** `converge journal`. */
export async function runJournal(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('journal', argv, { ...connectionOptions, output: { type: 'string', short: 'o', default: '' } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!['', 'json', 'yaml'].includes(values.output)) throw new CliError(`--output: unsupported format "${values.output}"; use json or yaml`, 2);
  const { type, names } = parseTargets(positionals);
  if (names.length !== 1) throw new CliError('journal: name exactly one object, e.g. converge journal instance/web-1', 2);
  const name = names[0]!;
  const conn = connect(values);
  try {
    let list: JournalList;
    try {
      list = await conn.client.request<JournalList>('GET', resourcePath(type, type.namespaced ? conn.namespace : undefined, name, 'journal'));
    } catch (err) {
      // The object exists (or not) like any other: only a kind without a journal answers 404 for an existing object.
      if (err instanceof Error && /could not find the requested resource/.test(err.message)) {
        throw new CliError(`journal: ${type.plural} have no journal; only instances, volumes, buckets and networks act on a backend`, 1);
      }
      throw err;
    }
    if (values.output === 'json') process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else if (values.output === 'yaml') process.stdout.write(stringify(list));
    else if (list.items.length === 0) process.stdout.write(`No external actions recorded for ${type.singular}/${name}.\n`);
    else process.stdout.write(`${journalTable(list.items)}\n`);
    return 0;
  } finally {
    conn.client.close();
  }
}
