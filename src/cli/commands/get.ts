import { stringify } from 'yaml';
import type { ResourceType } from '../../../schemas/types.js';
import type { KubeObject } from '../../../schemas/object.js';
import type { HttpApiClient, TableResponse } from '../../client/http.js';
import { toTable } from '../../apiserver/table.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { objectRef, parseTargets } from '../resource-arg.js';
import { alignRows, tableRows } from '../table-print.js';

const HELP = `Usage: converge get KIND [NAME...] [options]

Lists or shows objects. KIND is a plural, singular, kind or short name (instances, instance, Instance, inst).

Options:
  -o, --output FORMAT   wide, yaml, json or name (default: a table with the kind's columns)
  -l, --selector SEL    label selector, e.g. app=web,tier!=db
  -A, --all-namespaces  list across all namespaces
  -w, --watch           after listing, print changes as they happen
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

const OUTPUTS = new Set(['', 'wide', 'yaml', 'json', 'name']);

/** Strips noise users do not want in `-o yaml` by default (managedFields), like kubectl ≥1.21. */
function forDisplay(obj: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function printObjects(type: ResourceType, items: KubeObject[], output: string, single: boolean): void {
  if (output === 'name') {
    for (const i of items) process.stdout.write(`${objectRef(type, i.metadata.name)}\n`);
    return;
  }
  const shown = items.map(forDisplay);
  const doc = single && shown.length === 1 ? shown[0] : { apiVersion: 'v1', kind: 'List', items: shown, metadata: { resourceVersion: '' } };
  process.stdout.write(output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc));
}

/** `converge get`. */
export async function runGet(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('get', argv, {
    ...connectionOptions,
    output: { type: 'string', short: 'o', default: '' },
    selector: { type: 'string', short: 'l' },
    'all-namespaces': { type: 'boolean', short: 'A', default: false },
    watch: { type: 'boolean', short: 'w', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!OUTPUTS.has(values.output)) throw new CliError(`--output: unsupported format "${values.output}"; use wide, yaml, json or name`, 2);
  const { type, names } = parseTargets(positionals);
  const conn = connect(values);
  const allNamespaces = values['all-namespaces'] && type.namespaced;
  const namespace = type.namespaced && !allNamespaces ? conn.namespace : undefined;
  try {
    if (values.output !== '' && values.output !== 'wide') {
      const items = names.length > 0
        ? await Promise.all(names.map((n) => conn.client.get(type, namespace, n)))
        : (await conn.client.list(type, { ...(namespace ? { namespace } : {}), ...(values.selector ? { labelSelector: values.selector } : {}) })).items;
      printObjects(type, items, values.output, names.length === 1);
      return 0;
    }
    return await printTable(conn.client, type, { namespace, names, selector: values.selector, wide: values.output === 'wide', allNamespaces, watch: values.watch });
  } finally {
    if (!values.watch) conn.client.close();
  }
}

interface TableRequest {
  readonly namespace: string | undefined;
  readonly names: readonly string[];
  readonly selector: string | undefined;
  readonly wide: boolean;
  readonly allNamespaces: boolean;
  readonly watch: boolean;
}

async function printTable(client: HttpApiClient, type: ResourceType, req: TableRequest): Promise<number> {
  const format = { wide: req.wide, withNamespace: req.allNamespaces, headers: true };
  const tables = req.names.length > 0
    ? await Promise.all(req.names.map((name) => client.table(type, { ...(req.namespace ? { namespace: req.namespace } : {}), name })))
    : [await client.table(type, { ...(req.namespace ? { namespace: req.namespace } : {}), ...(req.selector ? { labelSelector: req.selector } : {}) })];
  const rows = tables.flatMap((t, i) => tableRows(t, { ...format, headers: i === 0 }));
  const widths: number[] = [];
  if (rows.length <= 1 && !req.watch) {
    process.stderr.write(`No resources found${req.namespace ? ` in ${req.namespace} namespace` : ''}.\n`);
    return 0;
  }
  process.stdout.write(`${alignRows(rows, widths)}\n`);
  if (!req.watch) return 0;
  const resourceVersion = tables[0]?.metadata.resourceVersion || (await client.list(type, { ...(req.namespace ? { namespace: req.namespace } : {}), limit: 1 })).resourceVersion;
  for await (const event of client.watch(type, {
    resourceVersion,
    ...(req.namespace ? { namespace: req.namespace } : {}),
    ...(req.selector ? { labelSelector: req.selector } : {}),
  })) {
    if (event.type === 'BOOKMARK') continue;
    if (req.names.length > 0 && !req.names.includes(event.object.metadata.name)) continue;
    // Rendered locally with the same printer columns the server uses, from the event's own object.
    const table = toTable(type, [event.object], {}, new Date()) as unknown as TableResponse;
    process.stdout.write(`${alignRows(tableRows(table, { ...format, headers: false }), widths)}\n`);
  }
  return 0;
}
