/**
 * The embedded main job alerts on a 4× signal injection from 60 s for 30 s (the config default
 * injection, and the README's broker session): the first excess test comes at 40 s, before the
 * injection (with the full 130 s warm-up it came after its end), and the default mix's selected
 * signal carries a 4× excess past Z = 5.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('run (embedded) alerts on a 4x signal injection at 60-90 s within its window', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/entry.ts',
      'run',
      '--duration',
      '100',
      '--speed',
      'max',
      '--metrics-port',
      '0',
      '--excess',
      'signal:4:60:30',
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, SHOWERTRIG_LOG_LEVEL: 'error' },
    },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  // summary lines: "alert excess-window-<startNs>-<endNs> [window] …"
  const t0 = 1_700_000_000_000_000_000n;
  const windows = [...r.stdout.matchAll(/alert excess-window-(\d+)-(\d+) \[window\]/g)].map(
    (m) => [Number(BigInt(m[1]!) - t0) / 1e9, Number(BigInt(m[2]!) - t0) / 1e9] as const,
  );
  assert.ok(windows.length >= 1, `no window alert:\n${r.stdout}`);
  const [start, end] = windows[0]!;
  assert.ok(end > 60 && start < 90, `alert window ${start}–${end} s misses the injection at 60–90 s`);
});
