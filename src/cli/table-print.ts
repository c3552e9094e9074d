import type { TableResponse } from '../client/http.js';

/** Options of {@link formatTable}. */
export interface TableFormat {
  /** Include priority > 0 columns (`-o wide`). */
  readonly wide: boolean;
  /** Prefix a NAMESPACE column (`-A`). */
  readonly withNamespace: boolean;
  readonly headers: boolean;
  /** Written before each object's name (`instance.converge.io/`), as kubectl does when it lists several kinds. */
  readonly namePrefix?: string;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '<none>';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Rows of text cells (header first) for a server-rendered Table, as kubectl would print them. */
export function tableRows(table: TableResponse, format: TableFormat): string[][] {
  const shown = table.columnDefinitions.map((c, i) => ({ c, i })).filter(({ c }) => format.wide || c.priority === 0);
  const rows: string[][] = [];
  if (format.headers) rows.push([...(format.withNamespace ? ['NAMESPACE'] : []), ...shown.map(({ c }) => c.name.toUpperCase())]);
  for (const row of table.rows) {
    rows.push([
      ...(format.withNamespace ? [row.object.metadata.namespace ?? ''] : []),
      ...shown.map(({ c, i }) => (format.namePrefix !== undefined && c.name.toLowerCase() === 'name' ? format.namePrefix : '') + cellText(row.cells[i])),
    ]);
  }
  return rows;
}

/** Aligns rows into columns separated by three spaces (kubectl's tabwriter layout). */
export function alignRows(rows: readonly string[][], widths?: number[]): string {
  const w = widths ?? [];
  for (const r of rows) r.forEach((cell, i) => (w[i] = Math.max(w[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((w[i] ?? 0) + 3))).join('').trimEnd()).join('\n');
}
