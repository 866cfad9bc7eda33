import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExcessAlert } from '../domain/index.js';
import type { WindowEvaluation } from '../trigger/index.js';
import { RatePlot } from './rate-plot.js';

const S = 1_000_000_000n;
const evaluation = (k: number, observed: number): WindowEvaluation => ({
  method: 'window',
  windowStartNs: BigInt(k) * S,
  windowEndNs: BigInt(k + 10) * S,
  observed,
  expected: 50,
  logP: -1,
  p: 0.3,
  z: (observed - 50) / Math.sqrt(50),
});

test('the rate plot draws observed and expected rates, Z with its threshold, and the alerts', () => {
  const plot = new RatePlot(10, 5);
  plot.add([evaluation(0, 50), evaluation(1, 60)], []);
  const alert: ExcessAlert = {
    alertId: 'a1',
    method: 'cusum',
    windowStartNs: 2n * S,
    windowEndNs: 6n * S,
    observed: 100,
    expected: 60,
    z: 5.2,
    p: 1e-7,
  };
  plot.add([evaluation(2, 120)], [alert]);
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-plot-'));
  const [rate, sig] = plot.write(dir).map((p) => readFileSync(p, 'utf8'));
  assert.ok(rate !== undefined && sig !== undefined);
  assert.match(rate, /Selected-event rate in 10 s windows/);
  // 3 observed + 3 expected + 1 alert point
  assert.equal((rate.match(/<circle/g) ?? []).length, 7);
  assert.match(sig, /threshold Z = 5/);
  assert.equal((sig.match(/<circle/g) ?? []).length, 4);
});

test('a long run keeps a bounded, evenly thinned series', () => {
  const plot = new RatePlot(10, 5);
  for (let k = 0; k < 100_000; k++) plot.add([evaluation(k, 50 + (k % 7))], []);
  const dir = mkdtempSync(join(tmpdir(), 'showertrig-plot-'));
  const rate = readFileSync(plot.write(dir)[0]!, 'utf8');
  const n = (rate.match(/<circle/g) ?? []).length / 2;
  assert.ok(n >= 1000 && n <= 4000, `${n} points kept`);
});

test('nothing is written before any window was evaluated', () => {
  assert.deepEqual(new RatePlot(10, 5).write(mkdtempSync(join(tmpdir(), 'showertrig-plot-'))), []);
});
