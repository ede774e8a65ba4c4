import type { CliIo } from './cli-io';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Aligned columns for people; `--json` prints the API's answer instead. */
export function printTable<T>(io: CliIo, rows: readonly T[], columns: Column<T>[]): void {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  io.out(line(columns.map((c) => c.header.toUpperCase())));
  for (const r of cells) io.out(line(r));
}

/** One record as `key  value` lines. */
export function printRecord(io: CliIo, record: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  for (const [key, value] of Object.entries(record)) io.out(`${key.padEnd(width)}  ${cell(value)}`);
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
