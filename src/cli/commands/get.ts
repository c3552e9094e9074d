import { stringify } from 'yaml';
import type { ResourceType } from '../../../schemas/types.js';
import type { KubeObject } from '../../../schemas/object.js';
import type { HttpApiClient, TableResponse } from '../../client/http.js';
import { toTable } from '../../apiserver/table.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { objectRef, parseTargetGroups, qualifiedKind, type TargetGroup } from '../resource-arg.js';
import { alignRows, tableRows } from '../table-print.js';

const HELP = `Usage: converge get KIND[,KIND...] [NAME...] [options]
       converge get KIND/NAME [KIND/NAME...] [options]

Lists or shows objects. KIND is a plural, singular, kind or short name (instances, instance, Instance, inst),
or a category: "managed" (the kinds that manage something external) or "converge" (all of Converge's kinds).

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

function printObjects(items: readonly { type: ResourceType; obj: KubeObject }[], output: string, single: boolean): void {
  if (output === 'name') {
    for (const { type, obj } of items) process.stdout.write(`${objectRef(type, obj.metadata.name)}\n`);
    return;
  }
  const shown = items.map(({ obj }) => forDisplay(obj));
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
  const groups = parseTargetGroups(positionals);
  if (values.watch && groups.length > 1) throw new CliError(`--watch: watch one resource type at a time (got ${groups.map((g) => g.type.plural).join(', ')})`, 2);
  const conn = connect(values);
  const scope = (type: ResourceType) => {
    const allNamespaces = values['all-namespaces'] && type.namespaced;
    return { allNamespaces, namespace: type.namespaced && !allNamespaces ? conn.namespace : undefined };
  };
  try {
    if (values.output !== '' && values.output !== 'wide') {
      const items: { type: ResourceType; obj: KubeObject }[] = [];
      for (const { type, names } of groups) {
        const { namespace } = scope(type);
        const objects = names.length > 0
          ? await Promise.all(names.map((n) => conn.client.get(type, namespace, n)))
          : (await conn.client.list(type, { ...(namespace ? { namespace } : {}), ...(values.selector ? { labelSelector: values.selector } : {}) })).items;
        items.push(...objects.map((obj) => ({ type, obj })));
      }
      printObjects(items, values.output, groups.length === 1 && groups[0]!.names.length === 1);
      return 0;
    }
    const many = groups.length > 1;
    const printed: string[] = [];
    let listedAt: string | undefined;
    for (const group of groups) {
      const { text, resourceVersion } = await tableText(conn.client, group, { ...scope(group.type), selector: values.selector, wide: values.output === 'wide', watch: values.watch, namePrefix: many ? `${qualifiedKind(group.type)}/` : undefined });
      if (text !== undefined) printed.push(text);
      listedAt = resourceVersion;
    }
    if (printed.length === 0) {
      const namespaces = new Set(groups.map((g) => scope(g.type).namespace));
      const [only] = namespaces;
      process.stderr.write(`No resources found${namespaces.size === 1 && only !== undefined ? ` in ${only} namespace` : ''}.\n`);
      return 0;
    }
    process.stdout.write(`${printed.join('\n\n')}\n`);
    if (values.watch) await watchRows(conn.client, groups[0]!, { ...scope(groups[0]!.type), selector: values.selector, wide: values.output === 'wide', watch: true, namePrefix: undefined }, listedAt);
    return 0;
  } finally {
    if (!values.watch) conn.client.close();
  }
}

interface TableRequest {
  readonly namespace: string | undefined;
  readonly selector: string | undefined;
  readonly wide: boolean;
  readonly allNamespaces: boolean;
  readonly watch: boolean;
  readonly namePrefix: string | undefined;
}

/** Column widths shared by the listing and the rows a watch prints after it, so they line up. */
const watchWidths: number[] = [];

/** One kind's table: its text (header included; undefined when it has no rows and no watch follows) and the list's resourceVersion. */
async function tableText(client: HttpApiClient, { type, names }: TargetGroup, req: TableRequest): Promise<{ text: string | undefined; resourceVersion: string | undefined }> {
  const format = { wide: req.wide, withNamespace: req.allNamespaces, headers: true, ...(req.namePrefix !== undefined ? { namePrefix: req.namePrefix } : {}) };
  const tables = names.length > 0
    ? await Promise.all(names.map((name) => client.table(type, { ...(req.namespace ? { namespace: req.namespace } : {}), name })))
    : [await client.table(type, { ...(req.namespace ? { namespace: req.namespace } : {}), ...(req.selector ? { labelSelector: req.selector } : {}) })];
  const rows = tables.flatMap((t, i) => tableRows(t, { ...format, headers: i === 0 }));
  const resourceVersion = tables[0]?.metadata.resourceVersion || undefined;
  if (rows.length <= 1 && !req.watch) return { text: undefined, resourceVersion };
  return { text: alignRows(rows, req.watch ? watchWidths : undefined), resourceVersion };
}

/** After the listing, prints each change of the watched kind as a row (`get -w`), until interrupted. */
async function watchRows(client: HttpApiClient, { type, names }: TargetGroup, req: TableRequest, listedAt: string | undefined): Promise<void> {
  const format = { wide: req.wide, withNamespace: req.allNamespaces, headers: false };
  const resourceVersion = listedAt ?? (await client.list(type, { ...(req.namespace ? { namespace: req.namespace } : {}), limit: 1 })).resourceVersion;
  for await (const event of client.watch(type, {
    resourceVersion,
    ...(req.namespace ? { namespace: req.namespace } : {}),
    ...(req.selector ? { labelSelector: req.selector } : {}),
  })) {
    if (event.type === 'BOOKMARK') continue;
    if (names.length > 0 && !names.includes(event.object.metadata.name)) continue;
    // Rendered locally with the same printer columns the server uses, from the event's own object.
    const table = toTable(type, [event.object], {}, new Date()) as unknown as TableResponse;
    process.stdout.write(`${alignRows(tableRows(table, format), watchWidths)}\n`);
  }
}
