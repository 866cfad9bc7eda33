/**
 * Committed benchmark results: <dir>/<name>.json holds one row per configuration (a later run of
 * the same configuration replaces its row), and <name>.md is rewritten from it as a table.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable } from '../report/index.js';

/**
 * Where a benchmark writes without --out: a scratch directory, so a trial run never rewrites the
 * committed bench/results (pass --out bench/results to update those on purpose).
 */
export const SCRATCH_BENCH_DIR = join(tmpdir(), 'showertrig-bench');

export function benchOutDir(out: string | undefined): string {
  return out ?? SCRATCH_BENCH_DIR;
}

export interface ResultTable<R> {
  readonly title: string;
  readonly notes: readonly string[];
  readonly columns: readonly { readonly header: string; readonly cell: (row: R) => string }[];
}

/** Writes <dir>/<name>.json and <dir>/<name>.md and says where on stderr (stdout keeps the figures). */
export function writeResults(dir: string, name: string, json: unknown, markdown: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(dir, `${name}.md`), markdown);
  process.stderr.write(
    `wrote ${join(dir, `${name}.json`)} and ${name}.md${dir === SCRATCH_BENCH_DIR ? ' (scratch; --out bench/results updates the committed results)' : ''}\n`,
  );
}

/** Upserts `row` (matched by `key`) into <dir>/<name>.json and rewrites <dir>/<name>.md. */
export function saveResultRow<R extends object>(
  dir: string,
  name: string,
  row: R,
  key: (r: R) => string,
  table: ResultTable<R>,
): R[] {
  const jsonPath = join(dir, `${name}.json`);
  const old: R[] = existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as { rows: R[] }).rows
    : [];
  const rows = [...old.filter((r) => key(r) !== key(row)), row].sort((a, b) =>
    key(a).localeCompare(key(b), 'en', { numeric: true }),
  );
  const md = [
    `# ${table.title}`,
    '',
    ...table.notes.map((n) => `- ${n}`),
    '',
    markdownTable(
      table.columns.map((c) => c.header),
      rows.map((r) => table.columns.map((c) => c.cell(r))),
    ),
  ];
  writeResults(dir, name, { rows }, md.join('\n'));
  return rows;
}
