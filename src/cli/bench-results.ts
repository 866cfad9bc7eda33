/**
 * Committed benchmark results: <dir>/<name>.json holds one row per configuration (a later run of
 * the same configuration replaces its row), and <name>.md is rewritten from it as a table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultTable<R> {
  readonly title: string;
  readonly notes: readonly string[];
  readonly columns: readonly { readonly header: string; readonly cell: (row: R) => string }[];
}

/** The nearest-rank q-quantile of an ascending array (NaN when empty): the benchmarks' percentiles. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Upserts `row` (matched by `key`) into <dir>/<name>.json and rewrites <dir>/<name>.md. */
export function saveResultRow<R extends object>(dir: string, name: string, row: R, key: (r: R) => string, table: ResultTable<R>): R[] {
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, `${name}.json`);
  const old: R[] = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as { rows: R[] }).rows : [];
  const rows = [...old.filter((r) => key(r) !== key(row)), row].sort((a, b) => key(a).localeCompare(key(b), 'en', { numeric: true }));
  writeFileSync(jsonPath, JSON.stringify({ rows }, null, 2) + '\n');
  const md = [
    `# ${table.title}`,
    '',
    ...table.notes.map((n) => `- ${n}`),
    '',
    `| ${table.columns.map((c) => c.header).join(' | ')} |`,
    `|${table.columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${table.columns.map((c) => c.cell(r)).join(' | ')} |`),
    '',
  ];
  writeFileSync(join(dir, `${name}.md`), md.join('\n'));
  return rows;
}
