import type { KubeObject } from '../../schemas/object.js';
import { secretDataCount } from '../../schemas/secret.js';
import { apiVersionOf, type PrinterColumn, type ResourceType } from '../../schemas/types.js';
import { humanDuration } from './age.js';
import { evaluateJsonPath } from './jsonpath.js';

/** A `meta.k8s.io/v1` Table column definition. */
export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

/** A `meta.k8s.io/v1` Table, as `kubectl get` asks for with `Accept: …;as=Table;v=v1;g=meta.k8s.io`. */
export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: 'meta.k8s.io/v1';
  readonly metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  readonly columnDefinitions: readonly TableColumn[];
  readonly rows: readonly TableRow[];
}

/** One row: the rendered cells plus the object's metadata, so kubectl can show NAMESPACE with `-A`. */
export interface TableRow {
  readonly cells: readonly unknown[];
  readonly object: { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: KubeObject['metadata'] };
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
};
const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'date',
  format: '',
  description: 'Time since the object was created.',
  priority: 0,
};

/** Columns of a kind's Table: Name, its printer columns, then Age — the same list the CRD declares. */
export function tableColumns(type: ResourceType): TableColumn[] {
  const columns = type.printerColumns.map((c) => ({
    name: c.name,
    type: c.type === 'date' ? 'date' : c.type,
    format: '',
    description: c.description ?? '',
    priority: c.priority ?? 0,
  }));
  return type.tableNameAndAge === false ? columns : [NAME_COLUMN, ...columns, AGE_COLUMN];
}

function sinceText(value: unknown, now: Date): string {
  if (typeof value !== 'string') return '<unknown>';
  const t = Date.parse(value);
  return Number.isNaN(t) ? '<invalid>' : humanDuration(now.getTime() - t);
}

/**
 * Cells of built-in kinds that no JSONPath can express (kube-apiserver prints these in Go), by
 * `apiVersion/Kind/COLUMN`: the DATA column of Secrets counts keys and must never show values.
 */
const computedCells: ReadonlyMap<string, (obj: KubeObject) => unknown> = new Map<string, (obj: KubeObject) => unknown>([
  ['v1/Secret/DATA', secretDataCount],
  ['v1/Event/OBJECT', eventObject],
]);

/** `instance/web-1`: how kubectl names an Event's object. */
function eventObject(obj: KubeObject): string {
  const involved = (obj as unknown as { involvedObject?: { kind?: unknown; name?: unknown } }).involvedObject;
  const kind = typeof involved?.kind === 'string' ? involved.kind.toLowerCase() : '';
  const name = typeof involved?.name === 'string' ? involved.name : '';
  return kind === '' ? name : `${kind}/${name}`;
}

/** Renders one printer-column cell the way apiextensions-apiserver does (dates as ages, lists joined). */
function cell(type: ResourceType, obj: KubeObject, column: PrinterColumn, now: Date): unknown {
  const computed = computedCells.get(`${apiVersionOf(type)}/${type.kind}/${column.name}`);
  if (computed !== undefined) return computed(obj);
  let values: unknown[];
  try {
    values = evaluateJsonPath(obj, column.jsonPath);
  } catch {
    return '<error>';
  }
  if (values.length === 0) return null;
  if (column.type === 'date') return sinceText(values[0], now);
  if (values.length === 1) {
    const v = values[0];
    if (column.type === 'integer' || column.type === 'number' || column.type === 'boolean') return v;
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
}

/** One Table row for an object. */
export function tableRow(type: ResourceType, obj: KubeObject, now: Date): TableRow {
  const cells = type.printerColumns.map((c) => cell(type, obj, c, now));
  return {
    cells: type.tableNameAndAge === false ? cells : [obj.metadata.name, ...cells, sinceText(obj.metadata.creationTimestamp, now)],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
  };
}

/** A Table for a list (or a single object, or one watch event). */
export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  listMeta: Table['metadata'],
  now: Date,
): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: tableColumns(type),
    rows: objects.map((o) => tableRow(type, o, now)),
  };
}
