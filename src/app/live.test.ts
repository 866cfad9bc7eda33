import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics, Registry } from '../telemetry/index.js';
import { liveLine, newTotals } from './live.js';

test('the live line says it waits for the trailing background window until the first test', async () => {
  const m = createMetrics(new Registry(), { defaultMetrics: false });
  const t = newTotals();
  t.selected = 12;
  const excess = { windowS: 10, trailingWindowS: 120, minTrailingS: 30, backgroundRateHz: undefined };
  assert.match(
    await liveLine(t, m, excess),
    /selected 12 {2}Z waiting for the first 10 s window and its first 30 s of trailing background \(40 s of event time\)/,
  );
  assert.match(
    await liveLine(t, m, { ...excess, backgroundRateHz: 2 }),
    /Z waiting for the first 10 s window {2}dlq/,
  );
  t.evaluations = 1;
  assert.match(await liveLine(t, m, excess), /selected 12 \(0\.00 Hz\) {2}Z 0\.00 {2}alerts 0/);
});
