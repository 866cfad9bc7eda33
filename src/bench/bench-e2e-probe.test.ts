import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetrics } from '../telemetry/index.js';
import { bucketQuantileMs, meanBatch, parseProbe } from './bench-e2e-probe.js';

test('the probe reads the latency buckets and the frames per reconstruction call from a real registry', async () => {
  const registry = new Registry();
  const m = createMetrics(registry, { defaultMetrics: false });
  const before = parseProbe(await registry.metrics());
  assert.equal(before.calls, 0);
  for (const n of [4, 6, 8]) m.inferenceBatchSize.observe(n);
  for (const s of [0.003, 0.02, 0.02, 0.2]) m.endToEndLatencySeconds.observe(s);
  const after = parseProbe(await registry.metrics());
  assert.equal(after.frames, 18);
  assert.equal(after.calls, 3);
  assert.equal(meanBatch([before], [after]), 6);
  // The display's quantile (histogram_quantile's): rank 2 of 4 lies halfway through the (10, 25] ms
  // bucket's two observations after the one below it: 10 + 15 × (2 − 1) / 2 = 17.5 ms.
  assert.equal(bucketQuantileMs([before.latency], [after.latency], 0.5), 17.5);
  assert.equal(meanBatch([before], [before]), null, 'no calls in between: unknown');
  assert.equal(meanBatch([parseProbe('')], [parseProbe('')]), null, 'no histogram: unknown');
});
