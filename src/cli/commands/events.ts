import { eventType } from '../../../schemas/event.js';
import type { KubeObject } from '../../../schemas/object.js';
import { humanDuration } from '../../apiserver/age.js';
import type { ApiClient } from '../../client/types.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { parseTargets } from '../resource-arg.js';
import { alignRows } from '../table-print.js';

const HELP = `Usage: converge events [options]

Lists what the controllers reported (core v1 Events), oldest first, like "kubectl events".

Options:
  --for KIND/NAME       only events about this object, e.g. --for instance/web-1
  -A, --all-namespaces  list across all namespaces
  -w, --watch           after listing, print new and updated events as they happen
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

/** The fields of a core v1 Event the CLI shows. */
interface EventView {
  readonly namespace: string;
  readonly type: string;
  readonly reason: string;
  readonly object: string;
  readonly message: string;
  readonly source: string;
  readonly count: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function rec(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function time(value: unknown): number | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function view(ev: KubeObject): EventView {
  const involved = rec(ev['involvedObject']);
  const last = time(ev['lastTimestamp']) ?? time(ev['eventTime']) ?? time(ev.metadata.creationTimestamp);
  return {
    namespace: ev.metadata.namespace ?? '',
    type: str(ev['type']),
    reason: str(ev['reason']),
    object: `${str(involved['kind']).toLowerCase()}/${str(involved['name'])}`,
    message: str(ev['message']).replace(/\s*\n\s*/g, ' '),
    source: str(rec(ev['source'])['component']) || str(ev['reportingComponent']),
    count: typeof ev['count'] === 'number' ? ev['count'] : 1,
    first: time(ev['firstTimestamp']) ?? last,
    last,
  };
}

/** Events sorted oldest first by last occurrence (events without a time first), as `kubectl events` prints them. */
export function sortEvents(events: readonly KubeObject[]): KubeObject[] {
  return [...events].sort((a, b) => (view(a).last ?? 0) - (view(b).last ?? 0));
}

/** `5s`, or `5s (x3 over 2m)` for a repeated event, as kubectl shows event ages. */
export function eventAge(ev: KubeObject, now: Date): string {
  const v = view(ev);
  if (v.last === undefined) return '<unknown>';
  const age = humanDuration(now.getTime() - v.last);
  return v.count > 1 && v.first !== undefined ? `${age} (x${v.count} over ${humanDuration(now.getTime() - v.first)})` : age;
}

/** Rows of `converge events`: a header then LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (NAMESPACE first with -A). */
export function eventRows(events: readonly KubeObject[], options: { readonly now: Date; readonly withNamespace?: boolean; readonly headers?: boolean }): string[][] {
  const ns = options.withNamespace === true;
  const rows: string[][] = options.headers === false ? [] : [[...(ns ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
  for (const ev of events) {
    const v = view(ev);
    rows.push([...(ns ? [v.namespace] : []), eventAge(ev, options.now), v.type, v.reason, v.object, v.message]);
  }
  return rows;
}

/**
 * The `Events:` section of `converge describe` (kubectl's layout: Type, Reason, Age, From, Message), or
 * `Events:  <none>`.
 */
export function describeEvents(events: readonly KubeObject[], now: Date): string {
  if (events.length === 0) return 'Events:       <none>\n';
  const rows = [['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']];
  for (const ev of sortEvents(events)) {
    const v = view(ev);
    rows.push([v.type, v.reason, eventAge(ev, now), v.source, v.message]);
  }
  const body = alignRows(rows)
    .split('\n')
    .map((l) => `  ${l.trimEnd()}`)
    .join('\n');
  return `Events:\n${body}\n`;
}

/** The events about `obj`: those in its namespace (`default` when cluster-scoped) naming its kind, name and uid. */
export async function eventsFor(client: Pick<ApiClient, 'list'>, obj: KubeObject): Promise<KubeObject[]> {
  const namespace = obj.metadata.namespace ?? 'default';
  const terms = [`involvedObject.kind=${obj.kind}`, `involvedObject.name=${obj.metadata.name}`];
  if (obj.metadata.uid) terms.push(`involvedObject.uid=${obj.metadata.uid}`);
  const list = await client.list(eventType, { namespace, fieldSelector: terms.join(',') });
  return sortEvents(list.items);
}

/** `converge events`. */
export async function runEvents(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('events', argv, {
    ...connectionOptions,
    for: { type: 'string' },
    'all-namespaces': { type: 'boolean', short: 'A', default: false },
    watch: { type: 'boolean', short: 'w', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`events: unexpected argument "${positionals[0] ?? ''}"; use --for KIND/NAME`, 2);
  let fieldSelector: string | undefined;
  if (values.for !== undefined) {
    const { type, names } = parseTargets([values.for]);
    const [name] = names;
    if (name === undefined || names.length !== 1) throw new CliError('--for: expected KIND/NAME, e.g. instance/web-1', 2);
    fieldSelector = `involvedObject.kind=${type.kind},involvedObject.name=${name}`;
  }
  const conn = connect(values);
  const namespace = values['all-namespaces'] ? undefined : conn.namespace;
  const scope = { ...(namespace !== undefined ? { namespace } : {}), ...(fieldSelector !== undefined ? { fieldSelector } : {}) };
  const format = { withNamespace: namespace === undefined };
  try {
    const list = await conn.client.list(eventType, scope);
    const widths: number[] = [];
    if (list.items.length === 0 && !values.watch) {
      process.stderr.write(`No events found${namespace !== undefined ? ` in ${namespace} namespace` : ''}.\n`);
      return 0;
    }
    process.stdout.write(`${alignRows(eventRows(sortEvents(list.items), { ...format, now: new Date() }), widths)}\n`);
    if (!values.watch) return 0;
    for await (const event of conn.client.watch(eventType, { ...scope, resourceVersion: list.resourceVersion })) {
      if (event.type !== 'ADDED' && event.type !== 'MODIFIED') continue;
      process.stdout.write(`${alignRows(eventRows([event.object], { ...format, now: new Date(), headers: false }), widths)}\n`);
    }
    return 0;
  } finally {
    if (!values.watch) conn.client.close();
  }
}
