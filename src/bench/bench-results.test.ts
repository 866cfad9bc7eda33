import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { benchOutDir, saveResultRow, SCRATCH_BENCH_DIR } from './bench-results.js';

test('benchmarks write to a scratch directory unless --out is given, never to the committed results', () => {
  assert.equal(benchOutDir(undefined), SCRATCH_BENCH_DIR);
  assert.ok(relative(tmpdir(), SCRATCH_BENCH_DIR).startsWith('showertrig-bench'));
  assert.ok(relative(process.cwd(), SCRATCH_BENCH_DIR).startsWith('..'), 'outside the repository');
  assert.equal(benchOutDir('bench/results'), 'bench/results');
});

test('a result row replaces the row of the same configuration, and the table is rewritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-results-'));
  const table = {
    title: 'T',
    notes: ['n'],
    columns: [
      { header: 'k', cell: (r: { k: string; v: number }) => r.k },
      { header: 'v', cell: (r: { k: string; v: number }) => String(r.v) },
    ],
  };
  saveResultRow(dir, 'x', { k: 'a', v: 1 }, (r) => r.k, table);
  saveResultRow(dir, 'x', { k: 'b', v: 2 }, (r) => r.k, table);
  const rows = saveResultRow(dir, 'x', { k: 'a', v: 3 }, (r) => r.k, table);
  assert.deepEqual(rows, [
    { k: 'a', v: 3 },
    { k: 'b', v: 2 },
  ]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8')), { rows });
  assert.match(
    readFileSync(join(dir, 'x.md'), 'utf8'),
    /\| k \| v \|\n\|---\|---\|\n\| a \| 3 \|\n\| b \| 2 \|/,
  );
});
