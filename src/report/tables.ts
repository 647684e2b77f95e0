/** A table: ordered columns with a header and a cell formatter, rendered to Markdown, CSV or JSON. */
export interface Column<R> {
  header: string;
  /** Raw value for CSV/JSON. */
  value(row: R): string | number | null;
  /** Text for Markdown (default: the raw value). */
  format?(row: R): string;
  align?: 'left' | 'right';
}

export function toMarkdown<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const head = `| ${columns.map((c) => esc(c.header)).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.align === 'left' ? ':---' : '---:')).join('|')}|`;
  const body = rows.map((r) => `| ${columns.map((c) => esc(c.format ? c.format(r) : String(c.value(r) ?? ''))).join(' | ')} |`);
  return [head, rule, ...body].join('\n') + '\n';
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  return [columns.map((c) => csvCell(c.header)).join(','), ...rows.map((r) => columns.map((c) => csvCell(c.value(r))).join(','))].join('\n') + '\n';
}

export function toJsonRecords<R>(columns: readonly Column<R>[], rows: readonly R[]): Array<Record<string, string | number | null>> {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c.header, c.value(r)])));
}

export const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
export const fixed = (d: number) => (x: number) => x.toFixed(d);
