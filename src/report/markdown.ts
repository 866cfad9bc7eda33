/** Markdown tables and number formatting for reports (pure strings). */

export type Cell = string | number | null | undefined;

/** A GitHub-flavoured table; numbers are formatted with `digits` significant digits. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  digits = 4,
): string {
  const cell = (c: Cell): string =>
    c === null || c === undefined
      ? '–'
      : typeof c === 'number'
        ? formatNumber(c, digits)
        : c.replace(/\|/g, '\\|');
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  return String(Number(v.toPrecision(digits)));
}
