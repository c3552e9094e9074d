/**
 * `converge drift`: every outstanding drift entry of every kind, read from the objects' status: managed
 * kinds keep it in `status.drift[]`; a Pool keeps its overlaps with unmanaged provider networks in
 * `status.conflicts[]` (its schema has no `drift` field), shown here as drift of `spec.cidrs`.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { resourceTypes } from '../../../schemas/index.js';
import type { JsonObject, JsonValue, KubeObject } from '../../../schemas/object.js';
import type { ResourceType } from '../../../schemas/types.js';
import { humanDuration } from '../../apiserver/age.js';
import type { HttpApiClient } from '../../client/http.js';
import { connect } from '../connect.js';
import { CliError } from '../errors.js';
import { connectionOptions, parseFlags } from '../flags.js';
import { alignRows } from '../table-print.js';

const HELP = `Usage: converge drift [options]

Lists drift: fields whose observed state differs from the spec, across every kind. All namespaces unless -n.

Options:
  -o, --output FORMAT   json or yaml (default: a table)
  --exit-code           exit 3 when any drift exists (for scripts)
  -n, --namespace NS | --server URL | --kubeconfig PATH
`;

/** Exit code of `--exit-code` when drift exists. */
export const DRIFT_EXIT_CODE = 3;

/** One drift entry of one object, as `-o json|yaml` prints it. */
export interface DriftRow {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly path: string;
  readonly desired?: JsonValue;
  readonly observed?: JsonValue;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

const PAGE_SIZE = 500;

/** Status fields of `type` (empty when its status schema is not an object). */
function statusFields(type: ResourceType): string[] {
  return type.status instanceof z.ZodObject ? Object.keys(type.status.shape) : [];
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function identity(type: ResourceType, obj: KubeObject): Pick<DriftRow, 'kind' | 'namespace' | 'name'> {
  return { kind: type.kind, ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}), name: obj.metadata.name };
}

/** The rows of `obj`'s `status.drift[]` and (Pool) `status.conflicts[]`; malformed entries are skipped. */
export function driftRows(type: ResourceType, obj: KubeObject): DriftRow[] {
  const id = identity(type, obj);
  const drift = obj.status?.['drift'];
  const conflicts = obj.status?.['conflicts'];
  const fromDrift = (Array.isArray(drift) ? drift : []).filter(isObject).flatMap((e): DriftRow[] => {
    const path = text(e['path']);
    if (path === undefined) return [];
    const firstSeen = text(e['firstSeen']);
    const lastSeen = text(e['lastSeen']);
    return [{
      ...id,
      path,
      ...('desired' in e ? { desired: e['desired'] } : {}),
      ...('observed' in e ? { observed: e['observed'] } : {}),
      ...(firstSeen !== undefined ? { firstSeen } : {}),
      ...(lastSeen !== undefined ? { lastSeen } : {}),
    }];
  });
  const fromConflicts = (Array.isArray(conflicts) ? conflicts : []).filter(isObject).flatMap((c): DriftRow[] => {
    const cidr = text(c['cidr']);
    const poolCidr = text(c['poolCidr']);
    if (cidr === undefined || poolCidr === undefined) return [];
    const firstSeen = text(c['firstSeen']);
    const where = [text(c['network']), text(c['providerRef'])].filter((s) => s !== undefined).join(' in ');
    return [{
      ...id,
      path: 'spec.cidrs',
      desired: poolCidr,
      observed: `unmanaged network ${cidr}${where ? ` (${where})` : ''}`,
      ...(firstSeen !== undefined ? { firstSeen } : {}),
    }];
  });
  return [...fromDrift, ...fromConflicts];
}

/** Every object of `type` (all pages), in `namespace` when given. */
async function listAllOf(client: HttpApiClient, type: ResourceType, namespace: string | undefined): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let cont: string | undefined;
  do {
    const page = await client.list(type, { ...(namespace ? { namespace } : {}), limit: PAGE_SIZE, ...(cont ? { continue: cont } : {}) });
    out.push(...page.items);
    cont = page.continue;
  } while (cont);
  return out;
}

/** Drift rows of every kind that can record drift; with `namespace`, cluster-scoped kinds are left out. */
export async function collectDrift(client: HttpApiClient, namespace: string | undefined): Promise<DriftRow[]> {
  const kinds = resourceTypes.filter((t) => (namespace === undefined || t.namespaced) && statusFields(t).some((f) => f === 'drift' || f === 'conflicts'));
  const lists = await Promise.all(kinds.map(async (type) => (await listAllOf(client, type, namespace)).flatMap((obj) => driftRows(type, obj))));
  return lists.flat();
}

function valueText(value: JsonValue | undefined): string {
  if (value === undefined) return '<none>';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function ageText(timestamp: string | undefined, now: number): string {
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

/** The table `converge drift` prints (header first). */
export function driftTable(rows: readonly DriftRow[], now: number): string {
  const header = ['KIND', 'NAMESPACE', 'NAME', 'PATH', 'DESIRED', 'OBSERVED', 'FIRST SEEN', 'LAST SEEN'];
  const body = rows.map((r) => [
    r.kind,
    r.namespace ?? '',
    r.name,
    r.path,
    valueText(r.desired),
    valueText(r.observed),
    ageText(r.firstSeen, now),
    ageText(r.lastSeen, now),
  ]);
  return alignRows([header, ...body]);
}

/** `converge drift`. */
export async function runDrift(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('drift', argv, {
    ...connectionOptions,
    output: { type: 'string', short: 'o', default: '' },
    'exit-code': { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`drift: unexpected argument "${positionals[0] ?? ''}"; it takes no arguments`, 2);
  if (!['', 'json', 'yaml'].includes(values.output)) throw new CliError(`--output: unsupported format "${values.output}"; use json or yaml`, 2);
  const conn = connect(values);
  try {
    const order = (r: DriftRow) => `${r.kind}/${r.namespace ?? ''}/${r.name}/${r.path}`;
    const rows = (await collectDrift(conn.client, values.namespace)).sort((a, b) => order(a).localeCompare(order(b)));
    if (values.output === 'json') process.stdout.write(`${JSON.stringify({ items: rows }, null, 2)}\n`);
    else if (values.output === 'yaml') process.stdout.write(stringify({ items: rows }));
    else if (rows.length === 0) process.stdout.write('No drift.\n');
    else process.stdout.write(`${driftTable(rows, Date.now())}\n`);
    return values['exit-code'] && rows.length > 0 ? DRIFT_EXIT_CODE : 0;
  } finally {
    conn.client.close();
  }
}
